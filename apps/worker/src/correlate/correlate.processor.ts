import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { InjectConfig, type DenytraceConfig } from '@denytrace/config';
import { DenytraceMetrics } from '@denytrace/metrics';
import { CORRELATE_QUEUE, type CorrelateJob, type CorrelateWindowData } from '@denytrace/queue';
import { CorrelateService, type WindowOutcome } from './correlate.service';

/** Id of the repeatable sweep's job scheduler: fixed, so every worker start upserts the same one. */
export const SWEEP_SCHEDULER_ID = 'correlate-sweep';
/** How often the sweep runs, ms. */
export const SWEEP_EVERY_MS = 60_000;

type CorrelateJobOf = Job<CorrelateJob['data'], unknown, CorrelateJob['name']>;

/**
 * The BullMQ processor of the `correlate` queue (@nestjs/bullmq `WorkerHost`):
 * - `correlate-window` — decide the window if its verdicts are behind its version;
 * - `settle-window` — decide it again at the current version (provisional → final);
 * - `sweep` — every {@link SWEEP_EVERY_MS}, re-enqueue windows left stale.
 *
 * Concurrency comes from `DENYTRACE_WORKER_CONCURRENCY`. Errors are rethrown so BullMQ retries with
 * the backoff of `CORRELATE_JOB_OPTIONS`; failed jobs are kept. On shutdown the BullMQ worker is
 * closed first (before the store), waiting for active jobs to finish.
 */
/**
 * A killed worker's jobs come back after their lock expires (BullMQ "stalled jobs",
 * https://docs.bullmq.io/guide/jobs/stalled): 15 s locks, renewed while a job runs, checked every
 * 5 s, so a crashed worker delays its windows by seconds, not minutes. Deciding a window is idempotent.
 */
@Processor(CORRELATE_QUEUE, { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 })
export class CorrelateProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CorrelateProcessor.name);

  constructor(
    private readonly correlate: CorrelateService,
    private readonly metrics: DenytraceMetrics,
    @InjectConfig() private readonly config: DenytraceConfig,
    @InjectQueue(CORRELATE_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  /** Sets the concurrency from configuration and registers the repeatable sweep (idempotent upsert). */
  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.workerConcurrency;
    await this.queue.upsertJobScheduler(
      SWEEP_SCHEDULER_ID,
      { every: SWEEP_EVERY_MS },
      { name: 'sweep', data: {}, opts: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } } },
    );
  }

  /**
   * Closes the BullMQ worker, which waits for the active jobs, before the store closes. If Redis is
   * unreachable the close cannot complete: after 10 s the worker is closed without waiting (its
   * unfinished jobs return to the queue when their locks expire).
   */
  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.worker.close().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (!closed) {
      this.logger.warn('the worker did not close within 10 s (Redis unreachable?); closing without waiting');
      void this.worker.close(true).catch(() => undefined);
    }
  }

  /** One line per failed attempt, with the job id; BullMQ retries it (or keeps it failed when attempts are spent). */
  @OnWorkerEvent('failed')
  onFailed(job: CorrelateJobOf | undefined, err: Error): void {
    this.logger.warn(`job ${job?.id ?? '?'} (${job?.name ?? '?'}) attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`);
  }

  async process(job: CorrelateJobOf): Promise<WindowOutcome | { stale: number }> {
    let out: WindowOutcome | { stale: number };
    switch (job.name) {
      case 'correlate-window':
        out = await this.correlate.decide(windowOf(job), false);
        break;
      case 'settle-window':
        out = await this.correlate.decide(windowOf(job), true);
        break;
      case 'sweep':
        out = { stale: await this.correlate.sweep() };
        if (out.stale > 0) this.logger.log(`job ${job.id}: re-enqueued ${out.stale} stale windows`);
        break;
      default:
        throw new UnrecoverableError(`correlate queue: no handler for job ${job.id} named ${JSON.stringify(job.name)}`);
    }
    const enqueued = job.timestamp + (job.opts.delay ?? 0);
    this.metrics.jobLatency.observe({ queue: CORRELATE_QUEUE, name: job.name }, Math.max(0, Date.now() - enqueued) / 1000);
    return out;
  }
}

/** The window of a window job; a malformed payload fails the job at once, no retry (kept for inspection). */
function windowOf(job: CorrelateJobOf): number {
  const w = (job.data as CorrelateWindowData).window;
  if (!Number.isSafeInteger(w)) throw new UnrecoverableError(`job ${job.id}: window ${JSON.stringify(w)} is not an epoch ms integer`);
  return w;
}

