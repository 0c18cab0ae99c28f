import { createHash } from 'node:crypto';
import type { NotificationEvent, Spike, WebhookSubscription } from './subscription-match';

/**
 * Idempotency of alert notifications, as a small state machine the caller backs with Redis or the
 * store. Per (spike, subscription) the state is `none` → `firing_sent` → `resolved_sent`, and the
 * rules are: at most one `firing`, at most one `resolved`, never a `firing` once `resolved` was
 * decided (a spike that comes back after it resolved is a new spike with a new id).
 *
 * Decided here:
 * - A spike that opened and resolved before its `firing` went out gets a `resolved` only, no
 *   `firing`: nobody is paged for something already over, yet chat and generic receivers still see
 *   it happened (the `resolved` body carries start, end and the numbers). PagerDuty drops a resolve
 *   for a dedup key it has no open alert for ("Alert De-Duplication",
 *   https://developer.pagerduty.com/docs/events-api-v2/trigger-events/), so there it costs one request.
 * - Cooldown: a spike with the same kind, dimension and value as one this subscription was sent a
 *   `firing` for, starting less than `cooldownMs` after that one ended (or before it ended), is
 *   folded: nothing is sent for it — unless it is still firing `cooldownMs` after its own start,
 *   then it pages as usual (a short flap is folded, a sustained return is not). So a flapping
 *   dimension pages at most once per cooldown.
 *
 * How to store it: claim the transition with a compare-and-set on the state (`SET key next` only
 * while it still holds `prev`) before enqueueing the delivery, and give the delivery job the id
 * `notificationJobId(...)`, so two detect runs, or one run twice, enqueue one delivery. Deliver a
 * subscription's `resolved` only after its `firing` job finished (delivered or failed for good):
 * a resolve that overtakes its trigger leaves a PagerDuty incident open.
 */
export type NotificationState = 'none' | 'firing_sent' | 'resolved_sent';

/** Default cooldown of the fold rule, ms (30 minutes). */
export const DEFAULT_COOLDOWN_MS = 30 * 60_000;

/**
 * The stable dedup key of a (spike, subscription): `denytrace-` + the first 40 hex of
 * SHA-256 of the JSON array
 * `["<subscription id>","<spike id>"]` (unambiguous whatever the ids contain): 50 characters, inside PagerDuty's
 * 255, free of characters a receiver or a BullMQ job id (no `:`) could trip on.
 * The same for the `firing` and the `resolved` of a spike, so PagerDuty resolves the alert it opened.
 */
export function dedupKey(spike: Pick<Spike, 'id'>, sub: Pick<WebhookSubscription, 'id'>): string {
  return 'denytrace-' + createHash('sha256').update(JSON.stringify([sub.id, spike.id])).digest('hex').slice(0, 40);
}

/** The BullMQ job id of one delivery: `<dedup key>-<event>` (deterministic, so a re-enqueue is dropped). */
export function notificationJobId(key: string, event: NotificationEvent): string {
  return `${key}-${event}`;
}

/** What the cooldown compares: kind, dimension and value, joined by U+001F (never in any of them after detection). */
export function cooldownKey(spike: Pick<Spike, 'kind' | 'dimension' | 'value'>): string {
  return `${spike.kind}\u001f${spike.dimension}\u001f${spike.value}`;
}

export interface NotificationInput {
  /** What this subscription was already sent for this spike. */
  prev: NotificationState;
  /** The spike as detection sees it now (`start` ISO-8601 UTC). */
  spike: Pick<Spike, 'status' | 'start' | 'end'>;
  /**
   * End (ISO-8601 UTC) of the latest other spike with the same `cooldownKey` this subscription
   * was sent a `firing` for; `null`/absent when none (or when it is still firing: pass its start).
   */
  lastNotifiedEnd?: string | null;
  /** The clock, epoch ms. */
  now: number;
  /** Fold window, ms; default 30 minutes. */
  cooldownMs?: number;
}

export type NotificationReason = 'first_firing' | 'resolved' | 'resolved_unfired' | 'folded' | 'already_firing' | 'closed';

/** The notification to send now (or none) and the state to store once it is claimed. */
export interface NotificationDecision { send: NotificationEvent | null; next: NotificationState; reason: NotificationReason }

/**
 * The next notification for one (spike, subscription); see the module comment for the rules.
 * `folded` while firing leaves the state at `none` (the spike is looked at again on the next
 * detect run and pages if it is still firing `cooldownMs` after its start); a folded spike that
 * resolved within `cooldownMs` of its start is closed (`resolved_sent`, nothing sent), one that
 * lasted longer gets its `resolved` as an unfired spike would. Throws `RangeError` on an unparseable `spike.start`.
 */
export function nextNotification(input: NotificationInput): NotificationDecision {
  const { prev, spike } = input;
  if (prev === 'resolved_sent') return { send: null, next: 'resolved_sent', reason: 'closed' };
  if (prev === 'firing_sent') {
    return spike.status === 'resolved'
      ? { send: 'resolved', next: 'resolved_sent', reason: 'resolved' }
      : { send: null, next: 'firing_sent', reason: 'already_firing' };
  }
  const cooldownMs = input.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  const start = Date.parse(spike.start);
  if (Number.isNaN(start)) throw new RangeError(`spike.start is not a date: ${spike.start}`);
  const lastEnd = input.lastNotifiedEnd ? Date.parse(input.lastNotifiedEnd) : NaN;
  const nearLast = !Number.isNaN(lastEnd) && start - lastEnd < cooldownMs;
  if (spike.status === 'firing') {
    if (nearLast && input.now - start < cooldownMs) return { send: null, next: 'none', reason: 'folded' };
    return { send: 'firing', next: 'firing_sent', reason: 'first_firing' };
  }
  const end = spike.end ? Date.parse(spike.end) : input.now;
  if (nearLast && end - start < cooldownMs) return { send: null, next: 'resolved_sent', reason: 'folded' };
  return { send: 'resolved', next: 'resolved_sent', reason: 'resolved_unfired' };
}
