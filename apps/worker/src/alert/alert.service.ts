import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { UnrecoverableError, type Queue } from 'bullmq';
import { buildWebhookRequest, dedupKey, deliver, DeliveryError, notificationJobId, type DeliveryRecord as Attempt } from '@denytrace/alerts';
import { ALERT_QUEUE, type AlertJobData } from '@denytrace/queue';
import type { DeliveryRecord } from '@denytrace/schema';
import { InjectStore, type EventStore } from '@denytrace/store';

/** Delivery settings of the alert worker. */
export interface AlertDeliveryOptions {
  /** Whole-attempt timeout, ms (default 10 s). */
  timeoutMs: number;
  /** Link base for the dashboard, when the receiver should get one. */
  dashboardUrl?: string;
}
export const ALERT_DELIVERY_OPTIONS = Symbol('ALERT_DELIVERY_OPTIONS');
const DEFAULTS: AlertDeliveryOptions = { timeoutMs: 10_000 };

/** Thrown while a `resolved` waits for its `firing` to finish: retried with the webhook backoff. */
export class FiringPendingError extends Error {
  override readonly name = 'FiringPendingError';
  readonly retryable = true;
}

/**
 * Delivers one notification of the `alert` queue: builds the request for the subscription's format
 * (`@denytrace/alerts`), signs it, sends it, and appends the attempt to the delivery log. A
 * `resolved` waits until the same subscription's `firing` job has finished, so a resolve never
 * overtakes its trigger. A failed attempt throws: `DeliveryError` (retryable or not, read by the
 * worker's backoff strategy); a deleted spike or webhook ends the job without sending.
 */
@Injectable()
export class AlertService {
  private readonly o: AlertDeliveryOptions;

  constructor(
    @InjectStore() private readonly store: EventStore,
    @InjectQueue(ALERT_QUEUE) private readonly queue: Queue,
    @Optional() @Inject(ALERT_DELIVERY_OPTIONS) options?: Partial<AlertDeliveryOptions>,
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  async deliver(job: { data: AlertJobData; attemptsMade: number }): Promise<{ status_code: number | null } | { skipped: string }> {
    const { spike_id, webhook_id, event } = job.data;
    if (event !== 'firing' && event !== 'resolved') throw new UnrecoverableError(`unknown alert event ${JSON.stringify(event)}`);
    const [spike, hook] = await Promise.all([this.store.getSpike(spike_id), this.store.getWebhook(webhook_id)]);
    if (!spike) return { skipped: `spike ${spike_id} not found` };
    if (!hook) return { skipped: `webhook ${webhook_id} was deleted` };
    const key = dedupKey(spike, hook);
    if (event === 'resolved') {
      const firing = await this.queue.getJob(notificationJobId(key, 'firing'));
      if (firing && !(await firing.isCompleted()) && !(await firing.isFailed())) throw new FiringPendingError('the firing notification of this spike is not delivered yet');
    }
    const request = buildWebhookRequest(spike, event, hook, { dashboardUrl: this.o.dashboardUrl });
    const attempt = await deliver(request, { timeoutMs: this.o.timeoutMs });
    await this.store.recordDelivery(logRow(attempt, { spike_id, webhook_id, event, dedup_key: key, attempt: job.attemptsMade + 1 }));
    if (!attempt.ok) throw new DeliveryError(attempt);
    return { status_code: attempt.status_code };
  }
}

function logRow(a: Attempt, k: Pick<DeliveryRecord, 'spike_id' | 'webhook_id' | 'event' | 'dedup_key' | 'attempt'>): DeliveryRecord {
  return {
    id: `dl_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    ...k,
    status_code: a.status_code,
    ok: a.ok,
    retryable: a.retryable,
    duration_ms: a.duration_ms,
    error: a.error ?? null,
    response_excerpt: a.response_excerpt || null,
    at: new Date().toISOString(),
  };
}
