import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { dedupKey, notificationJobId, subscriptionMatches, WEBHOOK_BACKOFF_TYPE } from '@denytrace/alerts';
import { DEFAULT_DETECTION_OPTIONS, Detector, loadDetectionData } from '@denytrace/detection';
import { ALERT_QUEUE, CORRELATE_QUEUE, DETECT_QUEUE, type AlertJobData } from '@denytrace/queue';
import type { Spike } from '@denytrace/schema';
import { InjectStore, type EventStore } from '@denytrace/store';
import { InjectWorkerClock, type WorkerClock } from '../correlate/worker-clock';
import { LIVE_WITHIN_MS, sourcesReached, ticksToRun } from './detect-clock';

/** What one detection run did; the BullMQ job's return value. */
export interface DetectOutcome {
  /** First and last tick evaluated, ISO-8601 UTC; null when there was nothing to evaluate. */
  from: string | null;
  to: string | null;
  ticks: number;
  opened: number;
  resolved: number;
  /** Alert jobs enqueued (one per spike, webhook and event). */
  alerts: number;
  /** True when another worker held the lock and this run did nothing. */
  skipped?: boolean;
}

/** Attempts of one alert delivery (5xx, 429, timeouts; a 4xx fails at once). */
export const ALERT_ATTEMPTS = 10;
const LOCK_MS = 120_000;
/** A run waits for pending correlate jobs (verdicts not decided yet) at most this long, ms. */
export const MAX_WAIT_FOR_VERDICTS_MS = 120_000;

/**
 * Runs spike detection incrementally for the `detect` queue: loads the counters and 403 verdicts
 * of [first tick − 6 h − 5 min, last tick), the open spikes and the deploys from the store, runs the
 * ticks not evaluated yet (see detect-clock.ts) once the correlate queue is idle, every source has
 * reached the tick (`sourcesReached`) and — for a backlog far behind the clock — the data stopped growing, writes the spikes that changed, and enqueues alert
 * jobs. The last evaluated tick and a lock live in Redis under the queue prefix, so two workers never
 * evaluate a tick twice. Notifications are claimed in the store first (`claimNotification`: firing
 * once, resolved once, never firing after resolved) and enqueued with a deterministic job id.
 */
@Injectable()
export class DetectService {
  private readonly logger = new Logger(DetectService.name);
  /** Since when runs have been waiting for the correlate queue, wall ms. */
  private waitingSince: number | undefined;

  constructor(
    @InjectStore() private readonly store: EventStore,
    @InjectQueue(DETECT_QUEUE) private readonly detectQueue: Queue,
    @InjectQueue(ALERT_QUEUE) private readonly alertQueue: Queue,
    @InjectQueue(CORRELATE_QUEUE) private readonly correlateQueue: Queue,
    @InjectWorkerClock() private readonly clock: WorkerClock,
  ) {}

  private key(name: string): string {
    return `${this.detectQueue.opts.prefix ?? 'bull'}:${DETECT_QUEUE}:state:${name}`;
  }

  /** One detection run (see the class). */
  async run(): Promise<DetectOutcome> {
    const redis = (await this.detectQueue.client) as unknown as Redis;
    const token = `${process.pid}-${Math.random()}`;
    if (await this.verdictsPending()) return { from: null, to: null, ticks: 0, opened: 0, resolved: 0, alerts: 0, skipped: true };
    const locked = await redis.set(this.key('lock'), token, 'PX', LOCK_MS, 'NX');
    if (locked !== 'OK') return { from: null, to: null, ticks: 0, opened: 0, resolved: 0, alerts: 0, skipped: true };
    try {
      return await this.runLocked(redis);
    } finally {
      if ((await redis.get(this.key('lock'))) === token) await redis.del(this.key('lock'));
    }
  }

  /**
   * True while correlate jobs are waiting or running (verdicts of fresh events not decided yet:
   * evaluating now would undercount 403s at the edge and could resolve a spike too early), for at
   * most {@link MAX_WAIT_FOR_VERDICTS_MS} in a row.
   */
  private async verdictsPending(): Promise<boolean> {
    const c = await this.correlateQueue.getJobCounts('waiting', 'active', 'prioritized');
    if (c.waiting + c.active + c.prioritized === 0) {
      this.waitingSince = undefined;
      return false;
    }
    const now = Date.now();
    this.waitingSince ??= now;
    return now - this.waitingSince < MAX_WAIT_FOR_VERDICTS_MS;
  }

  private async runLocked(redis: Redis): Promise<DetectOutcome> {
    const o = DEFAULT_DETECTION_OPTIONS;
    const none: DetectOutcome = { from: null, to: null, ticks: 0, opened: 0, resolved: 0, alerts: 0 };
    const bounds = await this.store.eventTimeBounds();
    if (!bounds) return none;
    const now = this.clock();
    const coverage = await this.store.coverage(new Date(0).toISOString(), new Date(now + 86_400_000).toISOString());
    // A backlog (log time more than an hour behind the clock) is evaluated once it stops growing:
    // files pushed one after another would otherwise be judged on the first sources alone.
    const seen = JSON.stringify(coverage.map((c) => [c.dataset, c.records, c.last_minute]));
    const previous = await redis.get(this.key('data_seen'));
    await redis.set(this.key('data_seen'), seen);
    if (now - Date.parse(bounds.last) >= LIVE_WITHIN_MS && seen !== previous) return { ...none, skipped: true };
    const reached = sourcesReached(coverage) ?? Date.parse(bounds.last);
    const last = await redis.get(this.key('last_tick'));
    const ticks = ticksToRun({
      lastTick: last ? Number(last) : undefined, firstData: Date.parse(bounds.first), lastData: Date.parse(bounds.last), reached,
      now, tickMs: o.tickMs, minStartMs: o.minBaselineMs + o.windowsMs[0]!,
    });
    if (ticks.length === 0) return none;
    const longest = Math.max(...o.windowsMs);
    const data = await loadDetectionData(this.store, ticks[0]! - o.baselineMs - longest, ticks[ticks.length - 1]!, o);
    const deploys = await this.store.listDeploys({ limit: 10_000 });
    const open = (await this.store.listSpikes({ status: 'firing', limit: 1000 })).items;
    const detector = new Detector(data, deploys, o, open, Number.isNaN(data.firstBucket) ? ticks[0]! : data.firstBucket);
    const changed = new Map<string, Spike>();
    const fire: Spike[] = [];
    const resolve: Spike[] = [];
    for (const t of ticks) {
      const r = detector.tick(t);
      for (const s of [...r.opened, ...r.updated, ...r.resolved]) changed.set(s.id, s);
      fire.push(...r.opened);
      resolve.push(...r.resolved);
    }
    if (changed.size) await this.store.upsertSpikes([...changed.values()]);
    await redis.set(this.key('last_tick'), String(ticks[ticks.length - 1]));
    const alerts = (await this.notify(fire, 'firing')) + (await this.notify(resolve, 'resolved'));
    for (const s of fire) this.logger.log(`spike firing: ${s.summary} (${s.id})`);
    for (const s of resolve) this.logger.log(`spike resolved: ${s.kind} ${s.value} (${s.id})`);
    return {
      from: new Date(ticks[0]!).toISOString(), to: new Date(ticks[ticks.length - 1]!).toISOString(), ticks: ticks.length,
      opened: fire.length, resolved: resolve.length, alerts,
    };
  }

  /** Claims and enqueues one notification per matching webhook; returns how many were enqueued. */
  private async notify(spikes: readonly Spike[], event: 'firing' | 'resolved'): Promise<number> {
    if (spikes.length === 0) return 0;
    const hooks = await this.store.listWebhooks();
    let n = 0;
    for (const s of spikes) {
      for (const h of hooks) {
        if (!subscriptionMatches(s, h)) continue;
        if (!(await this.store.claimNotification(s.id, h.id, event))) continue;
        const data: AlertJobData = { spike_id: s.id, webhook_id: h.id, event };
        await this.alertQueue.add(event, data, {
          jobId: notificationJobId(dedupKey(s, h), event),
          attempts: ALERT_ATTEMPTS,
          backoff: { type: WEBHOOK_BACKOFF_TYPE },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        });
        n += 1;
      }
    }
    return n;
  }
}
