import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { webhookBackoffStrategy } from '@denytrace/alerts';
import { ALERT_QUEUE, type AlertJobData } from '@denytrace/queue';
import { AlertService } from './alert.service';

/**
 * The BullMQ processor of the `alert` queue: one delivery attempt per run. Retries use the webhook
 * backoff strategy (`@denytrace/alerts`: exponential with jitter, `Retry-After` honoured; a 4xx
 * other than 429 or a redirect fails at once).
 */
@Processor(ALERT_QUEUE, { concurrency: 4, settings: { backoffStrategy: webhookBackoffStrategy } })
export class AlertProcessor extends WorkerHost {
  private readonly logger = new Logger(AlertProcessor.name);

  constructor(private readonly alerts: AlertService) {
    super();
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<AlertJobData> | undefined, err: Error): void {
    this.logger.warn(`alert ${job?.id ?? '?'} (${job?.data.event ?? '?'}) attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`);
  }

  process(job: Job<AlertJobData>): Promise<unknown> {
    return this.alerts.deliver(job);
  }
}
