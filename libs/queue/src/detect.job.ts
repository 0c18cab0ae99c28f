import type { Queue } from 'bullmq';

/**
 * The `detect` queue: spike detection over the stored counters and verdicts. A repeatable `detect`
 * job runs every {@link DETECT_EVERY_MS}; `detect-now` is enqueued after each deploy (the watch that
 * lowers the threshold for the deployed service's writes starts at once). Each run evaluates the
 * ticks from where the last run stopped to the end of the data, so running it twice, or on two
 * workers, evaluates each tick once (a Redis lock and the last tick are kept under the queue prefix).
 */
export const DETECT_QUEUE = 'detect';
/** Period of the repeatable detection job, ms. */
export const DETECT_EVERY_MS = 30_000;

export type DetectJob = { name: 'detect'; data: Record<string, never> } | { name: 'detect-now'; data: { reason: string } };

/** The `alert` queue: one job per webhook notification (`firing` or `resolved`) of a spike. */
export const ALERT_QUEUE = 'alert';

export interface AlertJobData {
  spike_id: string;
  webhook_id: string;
  event: 'firing' | 'resolved';
}

/** Enqueues detection runs (the API after a deploy). */
export class DetectProducer {
  constructor(private readonly queue: Queue) {}

  /**
   * Asks for a detection run now (deduplicated while one is waiting). Best effort, bounded at 3 s:
   * the repeatable job runs within 30 s anyway. Returns whether Redis took it; never throws.
   */
  async runSoon(reason: string): Promise<boolean> {
    const added = this.queue
      .add('detect-now', { reason }, { jobId: 'detect-now', removeOnComplete: true, removeOnFail: { count: 10 }, attempts: 1 })
      .then(() => true, () => false);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 3000);
    });
    try {
      return await Promise.race([added, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
