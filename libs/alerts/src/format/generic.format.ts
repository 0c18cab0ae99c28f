import { dedupKey } from '../dedup';
import type { NotificationEvent, Spike, WebhookSubscription } from '../subscription-match';
import { DEDUP_HEADER, EVENT_HEADER, type FormatOptions, type FormattedPayload } from './format.types';
import { spikeLink } from './format-util';

/** The generic webhook body. `dashboard_url` is present only when a dashboard URL was configured. */
export interface GenericWebhookBody {
  type: 'spike.firing' | 'spike.resolved';
  dedup_key: string;
  spike: Spike;
  /** When the body was built, ISO-8601 UTC with ms. */
  sent_at: string;
  dashboard_url?: string;
}

/**
 * The generic format: `{"type":"spike.firing"|"spike.resolved","dedup_key","spike","sent_at"}` as
 * `application/json` — the spike as detection reported it, unmodified (JSON escapes every control
 * character; the receiver treats strings as data). Headers `X-Denytrace-Event: spike.firing|spike.resolved`
 * and `X-Denytrace-Dedup-Key`. `sent_at` comes from `opts.now` (epoch ms), default now.
 */
export function formatGeneric(spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts: FormatOptions = {}): FormattedPayload {
  const type = event === 'firing' ? 'spike.firing' : 'spike.resolved';
  const key = dedupKey(spike, sub);
  const body: GenericWebhookBody = { type, dedup_key: key, spike, sent_at: new Date(opts.now ?? Date.now()).toISOString() };
  const link = spikeLink(spike, opts.dashboardUrl);
  if (link) body.dashboard_url = link;
  return { body: JSON.stringify(body), contentType: 'application/json', headers: { [EVENT_HEADER]: type, [DEDUP_HEADER]: key } };
}
