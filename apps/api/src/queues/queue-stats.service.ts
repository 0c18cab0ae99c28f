import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { CORRELATE_QUEUE } from '@denytrace/queue';

/** Job states reported per queue (health and the `denytrace_queue_jobs` gauge). */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type JobCounts = Record<(typeof JOB_STATES)[number], number>;

/** How long a Redis call of a health check or scrape may take before Redis counts as down, ms. */
export const REDIS_TIMEOUT_MS = 1500;

/** Redis did not answer in time (BullMQ's connection queues commands while it reconnects). */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

/**
 * Reads Redis and queue state through the BullMQ queues' own connection, each call bounded by
 * {@link REDIS_TIMEOUT_MS} so a dead Redis makes `/health` answer 503 instead of hanging.
 */
@Injectable()
export class QueueStatsService {
  private readonly queues: Queue[];

  constructor(@InjectQueue(CORRELATE_QUEUE) correlate: Queue) {
    this.queues = [correlate];
  }

  /** Round trip to Redis (`PING` on the queue's client), ms. */
  async ping(): Promise<number> {
    const t0 = Date.now();
    await bounded((async () => (await this.queues[0].client).runCommand('ping', []))());
    return Date.now() - t0;
  }

  /** Jobs waiting, active, delayed and failed, by queue name (BullMQ `getJobCounts`). */
  async jobCounts(): Promise<Record<string, JobCounts>> {
    const out: Record<string, JobCounts> = {};
    for (const q of this.queues) {
      const c = await bounded(q.getJobCounts(...JOB_STATES));
      out[q.name] = { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    }
    return out;
  }
}

function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
  });
  p.catch(() => undefined); // a late rejection after the timeout is not unhandled
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
