/**
 * When to retry a webhook delivery and how long to wait: exponential backoff with jitter, at least
 * what the receiver's `Retry-After` asked for, for BullMQ's custom backoff strategy
 * ("Custom backoff strategy", https://docs.bullmq.io/guide/retrying-failing-jobs#custom-backoff-strategy:
 * the worker's `settings.backoffStrategy(attemptsMade, type, err, job)` returns the delay in ms,
 * or -1 to fail the job at once).
 */

/** Backoff type name to put on alert jobs: `backoff: { type: WEBHOOK_BACKOFF_TYPE }`. */
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

export interface BackoffOptions {
  /** Delay before the first retry, ms; default 5 000. */
  baseMs?: number;
  /** Cap of the exponential part, ms; default 10 minutes. */
  maxMs?: number;
  /** The receiver's `Retry-After`, ms: the delay is at least this, up to `maxRetryAfterMs`. */
  retryAfterMs?: number;
  /** Cap on honouring `Retry-After`, ms; default 1 hour (a receiver cannot park a delivery forever). */
  maxRetryAfterMs?: number;
  /** Source of randomness in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry), ms: "equal jitter" —
 * `e = min(maxMs, baseMs·2^(attempt−1))`, delay uniform in `[e/2, e)` — then raised to
 * `min(retryAfterMs, maxRetryAfterMs)` when the receiver sent `Retry-After`. Integer ms.
 * With the defaults: ~2.5–5 s, 5–10 s, 10–20 s, … up to 5–10 min per wait.
 */
export function backoff(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 5_000;
  const max = opts.maxMs ?? 10 * 60_000;
  const random = opts.random ?? Math.random;
  const n = Math.max(1, Math.floor(attempt));
  const exp = Math.min(max, base * 2 ** Math.min(n - 1, 40));
  let delay = Math.floor(exp / 2 + random() * (exp / 2));
  if (opts.retryAfterMs !== undefined && opts.retryAfterMs > 0) {
    delay = Math.max(delay, Math.min(opts.retryAfterMs, opts.maxRetryAfterMs ?? 60 * 60_000));
  }
  return delay;
}

/**
 * A `Retry-After` header value in ms from `nowMs` (epoch ms): delta-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`), per RFC 9110 §10.2.3. A date in the past gives 0;
 * absent or unreadable gives undefined.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined; // an HTTP-date has a day and month name; Date.parse would read '-5' as a year
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The error shape the strategy reads (a `DeliveryError` from `deliver.ts` has it). */
interface RetryHint { retryable?: boolean; retryAfterMs?: number }

/**
 * BullMQ custom backoff strategy for alert jobs (register as the worker's
 * `settings.backoffStrategy`): -1 (fail now, no more attempts) when the error says it is not
 * retryable (a 4xx other than 429, a redirect, a refused URL), else `backoff(attemptsMade, {retryAfterMs})`.
 */
export function webhookBackoffStrategy(attemptsMade: number, _type?: string, err?: Error): number {
  const hint = (err ?? {}) as RetryHint;
  if (hint.retryable === false) return -1;
  return backoff(attemptsMade, { retryAfterMs: hint.retryAfterMs });
}
