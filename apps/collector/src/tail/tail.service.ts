import { existsSync, readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectConfig, type DenytraceConfig } from '@denytrace/config';
import { parserFormats } from '@denytrace/ingest';
import { DenytraceMetrics } from '@denytrace/metrics';
import type { NetworkTable } from '@denytrace/network';
import { CorrelateProducer } from '@denytrace/queue';
import { InjectStore, NETWORK_TABLE, type EventStore } from '@denytrace/store';
import { FolderTailer, type PollResult } from './folder-tailer';
import type { TailBatchCounts } from './tail-batch';

/** Lines parsed per store transaction when a file has a backlog. */
export const TAIL_BATCH_LINES = 5000;

/**
 * Tails the folders of `DENYTRACE_WATCH` (config `watch`) every `DENYTRACE_TAIL_INTERVAL_MS`
 * (config `tailIntervalMs`, ms): starts at application bootstrap, stops at shutdown after the poll in
 * progress has committed. Each poll's new lines go parse → `store.writeBatch` (with the file's new
 * offset) → `touchWindows` → `CorrelateProducer.windowsChanged`; see {@link FolderTailer}. Counts
 * records and rejections in the `denytrace_events_ingested_total` / `denytrace_events_rejected_total`
 * metrics with `source="tail"`. Polls are chained (the next starts an interval after the last ended),
 * never overlapping.
 */
@Injectable()
export class TailService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('tail');
  readonly tailer: FolderTailer;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    @InjectConfig() private readonly config: DenytraceConfig,
    @InjectStore() store: EventStore,
    producer: CorrelateProducer,
    @Optional() private readonly metrics?: DenytraceMetrics,
    @Optional() @Inject(NETWORK_TABLE) network?: NetworkTable,
  ) {
    const nginx = config.nginxLogFormat;
    this.tailer = new FolderTailer(config.watch, {
      sink: {
        store,
        windowsChanged: (versions) => producer.windowsChanged(versions),
        retention: config.retention,
        network,
        onFlushed: (c) => this.count(c),
      },
      formats: parserFormats,
      parserOptions: nginx ? { nginxLogFormat: existsSync(nginx) ? readFileSync(nginx, 'utf8') : nginx } : {},
      maxLineBytes: config.maxLineBytes,
      batchLines: TAIL_BATCH_LINES,
      warn: (m) => this.log.warn(m),
    });
  }

  /** One poll now (tests and `serve` drive it directly); serialised with the timer's polls. */
  pollOnce(): Promise<PollResult> {
    return this.tailer.pollOnce();
  }

  onApplicationBootstrap(): void {
    if (this.config.watch.length === 0) return;
    this.stopped = false;
    this.log.log(`tailing ${this.config.watch.join(', ')} every ${this.config.tailIntervalMs} ms`);
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.tailer.idle();
  }

  private schedule(delayMs = this.config.tailIntervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pollOnce()
        .catch((err: unknown) => this.log.error(`poll failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.schedule());
    }, delayMs);
  }

  private count(c: TailBatchCounts): void {
    if (!this.metrics) return;
    for (const [dataset, n] of Object.entries(c.records)) this.metrics.eventsIngested.inc({ dataset, source: 'tail' }, n);
    for (const [reason, n] of Object.entries(c.rejected)) this.metrics.eventsRejected.inc({ reason, source: 'tail' }, n);
  }
}
