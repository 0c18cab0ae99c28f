import { Controller, Get, Logger, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@denytrace/http';
import { DenytraceMetrics } from '@denytrace/metrics';
import { JOB_STATES, QueueStatsService } from '../queues/queue-stats.service';

/**
 * `GET /metrics`: Prometheus text exposition of this process's registry (prom-client,
 * https://prometheus.io/docs/instrumenting/exposition_formats/). Public, as scrapers usually send no
 * credentials: the API binds to `HOST` (loopback by default), so exposing it is a deployment choice.
 * The queue depth gauge `denytrace_queue_jobs{queue,state}` is refreshed from BullMQ on each scrape.
 */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly log = new Logger('metrics');

  constructor(private readonly metrics: DenytraceMetrics, private readonly queues: QueueStatsService) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (public)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4' })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    try {
      for (const [queue, counts] of Object.entries(await this.queues.jobCounts())) {
        for (const state of JOB_STATES) this.metrics.queueDepth.set({ queue, state }, counts[state]);
      }
    } catch (e) {
      // Redis down: serve the other metrics; the gauge keeps its last values and /health says why.
      this.log.warn(`queue depth not refreshed: ${(e as Error).message}`);
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
