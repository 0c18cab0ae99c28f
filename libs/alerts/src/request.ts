import { formatGeneric } from './format/generic.format';
import type { FormattedPayload } from './format/format.types';
import { formatPagerDuty, type PagerDutyFormatOptions } from './format/pagerduty.format';
import { formatSlack } from './format/slack.format';
import { SIGNATURE_HEADER, signatureHeader } from './sign';
import type { NotificationEvent, Spike, WebhookSubscription } from './subscription-match';

/** The User-Agent of every webhook request. */
export const WEBHOOK_USER_AGENT = 'denytrace-webhooks/1';

/** One HTTP request ready for `deliver`: the exact body bytes that were signed. */
export interface WebhookRequest { url: string; method: 'POST'; headers: Record<string, string>; body: string }

/** The subscription's format applied to a spike (`generic`, `slack` or `pagerduty`). */
export function formatFor(spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts: PagerDutyFormatOptions = {}): FormattedPayload {
  switch (sub.format) {
    case 'slack': return formatSlack(spike, event, sub, opts);
    case 'pagerduty': return formatPagerDuty(spike, event, sub, opts);
    default: return formatGeneric(spike, event, sub, opts);
  }
}

/**
 * The signed request for one notification: POST to the subscription's URL with the format's body,
 * `Content-Type`, `User-Agent: denytrace-webhooks/1`, `X-Denytrace-Event`, `X-Denytrace-Dedup-Key`
 * and `X-Denytrace-Signature: t=<unix s>,v1=<hex HMAC-SHA256("<t>.<body>", secret)>`. Every format
 * is signed (PagerDuty ignores the header). `opts.now` (epoch ms) is the clock of `sent_at` and `t`.
 * Build it at delivery time, once per attempt, so `t` is fresh for the receiver's replay window.
 */
export function buildWebhookRequest(spike: Spike, event: NotificationEvent, sub: WebhookSubscription, opts: PagerDutyFormatOptions = {}): WebhookRequest {
  const now = opts.now ?? Date.now();
  const payload = formatFor(spike, event, sub, { ...opts, now });
  return {
    url: sub.url,
    method: 'POST',
    headers: {
      'Content-Type': payload.contentType,
      'User-Agent': WEBHOOK_USER_AGENT,
      ...payload.headers,
      [SIGNATURE_HEADER]: signatureHeader(payload.body, sub.secret, now),
    },
    body: payload.body,
  };
}
