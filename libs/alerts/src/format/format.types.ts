import type { NotificationEvent, Spike, SpikeKind, WebhookSubscription } from '../subscription-match';

/** Options every format takes. */
export interface FormatOptions {
  /**
   * Base URL of the denytrace dashboard (e.g. `https://denytrace.internal`); when given, messages
   * link to `<base>/spikes/<spike id>`. Only `http:`/`https:` URLs are used; others are ignored.
   */
  dashboardUrl?: string;
  /** The clock, epoch ms (UTC): `sent_at` of the generic body. Default `Date.now()`. */
  now?: number;
}

/** A formatted, not yet signed, webhook body. `headers` are the format's own (event and dedup key). */
export interface FormattedPayload { body: string; contentType: string; headers: Record<string, string> }

/** A format: spike + event + subscription → body. Pure; never throws on odd spike values. */
export type WebhookFormatter = (spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts?: FormatOptions) => FormattedPayload;

/** Header naming the notification: `spike.firing` or `spike.resolved`. */
export const EVENT_HEADER = 'X-Denytrace-Event';
/** Header carrying the dedup key (`dedupKey(spike, subscription)`). */
export const DEDUP_HEADER = 'X-Denytrace-Dedup-Key';

/** Human words for each spike kind (DESIGN.md "Spikes"). */
export const KIND_LABEL: Record<SpikeKind, string> = {
  region_block: 'region-wide block',
  post_rollout_write_denial: 'post-rollout write denial',
  source_network_block: 'source-network block',
  new_rule: 'new rule',
};
