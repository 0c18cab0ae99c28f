import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { DETECT_EVERY_MS, DETECT_QUEUE, type DetectJob } from '@denytrace/queue';
import { DetectService, type DetectOutcome } from './detect.service';

/** Id of the repeatable detection job's scheduler: fixed, so every worker start upserts the same one. */
export const DETECT_SCHEDULER_ID = 'detect-every-30s';

type DetectJobOf = Job<DetectJob['data'], unknown, DetectJob['name']>;

/**
 * The BullMQ processor of the `detect` queue: `detect` every {@link DETECT_EVERY_MS} (a job
 * scheduler upserted at start) and `detect-now` after a deploy. Concurrency 1 per worker; the
 * service's Redis lock keeps two workers from running at once.
 */
@Processor(DETECT_QUEUE, { concurrency: 1, lockDuration: 60_000 })
export class DetectProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(DetectProcessor.name);

  constructor(
    private readonly detect: DetectService,
    @InjectQueue(DETECT_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      DETECT_SCHEDULER_ID,
      { every: DETECT_EVERY_MS },
      { name: 'detect', data: {}, opts: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } } },
    );
  }

  @OnWorkerEvent('failed')
  onFailed(job: DetectJobOf | undefined, err: Error): void {
    this.logger.warn(`detect job ${job?.id ?? '?'} failed: ${err.message}`);
  }

  async process(job: DetectJobOf): Promise<DetectOutcome> {
    if (job.name !== 'detect' && job.name !== 'detect-now') throw new UnrecoverableError(`detect queue: no handler for job ${job.id} named ${JSON.stringify(job.name)}`);
    return this.detect.run();
  }
}
