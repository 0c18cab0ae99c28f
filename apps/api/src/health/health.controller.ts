import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '@denytrace/http';
import { InjectStore, type EventStore } from '@denytrace/store';
import { QueueStatsService } from '../queues/queue-stats.service';

const HEALTH_EXAMPLE = {
  status: 'ok',
  info: { redis: { status: 'up', latency_ms: 1 }, store: { status: 'up' }, queues: { status: 'up', correlate: { waiting: 0, active: 0, delayed: 12, failed: 0 } } },
  error: {},
  details: { redis: { status: 'up', latency_ms: 1 }, store: { status: 'up' }, queues: { status: 'up', correlate: { waiting: 0, active: 0, delayed: 12, failed: 0 } } },
};

/**
 * `GET /health` (no key needed), @nestjs/terminus: `redis` (PING through the BullMQ queue's client),
 * `store` (one indexed lookup) and `queues` (jobs waiting, active, delayed, failed per queue).
 * 200 when all are up, 503 otherwise; both answer terminus's shape `{ status, info, error, details }`
 * (not the error shape: it is a report, and load balancers and dashboards read it as such).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly queues: QueueStatsService,
    @InjectStore() private readonly store: EventStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Redis, store and queue health (public)' })
  @ApiOkResponse({ description: 'everything up', schema: { example: HEALTH_EXAMPLE } })
  @ApiServiceUnavailableResponse({ description: 'something is down: `status` is `error` and `error` names what, with why' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.redis(), () => this.storeCheck(), () => this.queueCounts()]);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      res.status(503);
      return e.getResponse() as HealthCheckResult;
    }
  }

  private async redis() {
    const check = this.indicator.check('redis');
    try {
      return check.up({ latency_ms: await this.queues.ping() });
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }

  private async storeCheck() {
    const check = this.indicator.check('store');
    try {
      await this.store.getTrace('health:probe');
      return check.up();
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }

  private async queueCounts() {
    const check = this.indicator.check('queues');
    try {
      return check.up(await this.queues.jobCounts());
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }
}
