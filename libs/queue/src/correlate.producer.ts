import type { Queue } from 'bullmq';
import type { WindowVersion } from '@denytrace/store';
import { CORRELATE_JOB_OPTIONS, SETTLE_MS, WINDOW_MARGIN_MS, WINDOW_MS, correlateJobId, settleJobId, type CorrelateJob } from './correlate.job';

/**
 * Enqueues correlate work. Nothing else names the queue's jobs: producers in the collector and the
 * CLI go through this facade, so no caller can enqueue the wrong payload.
 */
export class CorrelateProducer {
  /** Longest wait for Redis to take the jobs, ms. */
  static readonly ENQUEUE_TIMEOUT_MS = 3000;

  constructor(private readonly queue: Queue) {}

  /**
   * After events were written: one `correlate-window` job per changed window (deduplicated by
   * `<window>:<version>`), and one delayed `settle-window` job per window, due when slow sources had
   * their chance (window end + margin + SETTLE_MS).
   *
   * Best effort, bounded: the events are already stored and their windows marked changed, so when
   * Redis does not take the jobs within {@link ENQUEUE_TIMEOUT_MS} (an outage) this returns false
   * instead of holding the caller (a shipper's push) for the whole outage; the worker's sweep decides
   * those windows once Redis is back. Never throws.
   */
  async windowsChanged(versions: readonly WindowVersion[], now = Date.now()): Promise<boolean> {
    if (versions.length === 0) return true;
    const jobs = versions.flatMap((v) => [
      { name: 'correlate-window' as const, data: { window: v.window, version: v.version }, opts: { ...CORRELATE_JOB_OPTIONS, jobId: correlateJobId(v.window, v.version) } },
      {
        name: 'settle-window' as const,
        data: { window: v.window, version: v.version },
        opts: { ...CORRELATE_JOB_OPTIONS, jobId: settleJobId(v.window), delay: Math.max(0, v.window + WINDOW_MS + WINDOW_MARGIN_MS + SETTLE_MS - now) },
      },
    ]);
    const added = this.queue.addBulk(jobs satisfies Array<CorrelateJob & { opts: object }>).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CorrelateProducer.ENQUEUE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([added, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
