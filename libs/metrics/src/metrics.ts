import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * denytrace's Prometheus metrics (prom-client, https://github.com/siimon/prom-client), one registry
 * per process, served at `GET /metrics`. Names follow Prometheus conventions: `_total` for counters,
 * base units (seconds).
 */
@Injectable()
export class DenytraceMetrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'denytrace_' });
  }

  /** Records parsed into events, by dataset and source (`http` push, `tail`, `cli`). */
  readonly eventsIngested = new Counter({ name: 'denytrace_events_ingested_total', help: 'Log records parsed into events', labelNames: ['dataset', 'source'] as const, registers: [this.registry] });
  /** Records rejected (quarantined), by reason. */
  readonly eventsRejected = new Counter({ name: 'denytrace_events_rejected_total', help: 'Log records rejected and quarantined', labelNames: ['reason', 'source'] as const, registers: [this.registry] });
  /** Format drift: records carrying a field their parser did not know, by dataset and field (bounded, see format-drift.ts). */
  readonly unknownFields = new Counter({ name: 'denytrace_unknown_fields_total', help: 'Records with a field their parser did not know (format drift)', labelNames: ['dataset', 'field', 'source'] as const, registers: [this.registry] });
  /** Verdicts written, by emitting layer and decisive rule. */
  readonly verdicts = new Counter({ name: 'denytrace_verdicts_total', help: 'Verdicts decided (a trace re-decided counts again)', labelNames: ['emitting_layer', 'rule'] as const, registers: [this.registry] });
  /** Jobs waiting, active, delayed, failed, by queue (set when scraped). */
  readonly queueDepth = new Gauge({ name: 'denytrace_queue_jobs', help: 'Jobs in a queue by state', labelNames: ['queue', 'state'] as const, registers: [this.registry] });
  /** Seconds from a job's enqueue to its completion. */
  readonly jobLatency = new Histogram({ name: 'denytrace_job_latency_seconds', help: 'Seconds from enqueue to completion of a job', labelNames: ['queue', 'name'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800], registers: [this.registry] });
}
