import type { Queue } from 'bullmq';
import type { WindowVersion } from '@denytrace/store';
import { CORRELATE_JOB_OPTIONS, SETTLE_MS, WINDOW_MARGIN_MS, WINDOW_MS, correlateJobId, settleJobId, type CorrelateJob } from './correlate.job';

/**
 * Enqueues correlate work. Nothing else names the queue's jobs: producers in the collector and the
 * CLI go through this facade, so no caller can enqueue the wrong payload.
 */
export class CorrelateProducer {
  constructor(private readonly queue: Queue) {}

  /**
   * After events were written: one `correlate-window` job per changed window (deduplicated by
   * `<window>:<version>`), and one delayed `settle-window` job per window, due when slow sources had
   * their chance (window end + margin + SETTLE_MS).
   */
  async windowsChanged(versions: readonly WindowVersion[], now = Date.now()): Promise<void> {
    if (versions.length === 0) return;
    const jobs = versions.flatMap((v) => [
      { name: 'correlate-window' as const, data: { window: v.window, version: v.version }, opts: { ...CORRELATE_JOB_OPTIONS, jobId: correlateJobId(v.window, v.version) } },
      {
        name: 'settle-window' as const,
        data: { window: v.window, version: v.version },
        opts: { ...CORRELATE_JOB_OPTIONS, jobId: settleJobId(v.window), delay: Math.max(0, v.window + WINDOW_MS + WINDOW_MARGIN_MS + SETTLE_MS - now) },
      },
    ]);
    await this.queue.addBulk(jobs satisfies Array<CorrelateJob & { opts: object }>);
  }
}
