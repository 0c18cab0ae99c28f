import { parseRetryAfter } from './retry-policy';
import type { WebhookRequest } from './request';
import { stripControl, truncate } from './text';

/** How a delivery failed, for callers that branch (never branch on `error` text). */
export type DeliveryErrorKind = 'http_status' | 'redirect' | 'timeout' | 'connection' | 'request';

/** The record of one delivery attempt, for the delivery log. */
export interface DeliveryRecord {
  /** The receiver's HTTP status, or null when no response arrived (timeout, connection error). */
  status_code: number | null;
  /** A 2xx answer. */
  ok: boolean;
  /** Worth retrying: 5xx, 429, timeout, connection error. Never a redirect, another 4xx, or a request fetch refused to send. */
  retryable: boolean;
  /** From sending to the response's status (and the excerpt read), ms. */
  duration_ms: number;
  /** What went wrong, one line; absent when `ok`. */
  error?: string;
  error_kind?: DeliveryErrorKind;
  /** The receiver's `Retry-After`, ms (on 429/5xx), when it sent one. */
  retry_after_ms?: number;
  /** The first bytes of the response body, UTF-8, control characters stripped, ≤ `EXCERPT_MAX` characters. */
  response_excerpt: string;
}

export interface DeliverOptions {
  /** Whole-attempt timeout (connect, send, status and excerpt), ms. */
  timeoutMs: number;
  /** `fetch` to use; default Node's global `fetch` (undici). */
  fetchImpl?: typeof fetch;
  /** The clock for `Retry-After` dates, epoch ms; default `Date.now`. */
  now?: () => number;
}

/** Bytes of the response body read for the excerpt. */
export const EXCERPT_BYTES = 2048;
/** Characters of the excerpt kept. */
export const EXCERPT_MAX = 512;

/** Thrown by `assertDelivered` so a job processor fails (and BullMQ retries, or not: `retryable`). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  constructor(readonly record: DeliveryRecord) {
    super(record.error ?? `delivery failed (${record.status_code})`);
    this.retryable = record.retryable;
    this.retryAfterMs = record.retry_after_ms;
  }
}

/** Throws `DeliveryError` unless the record is `ok`; returns it otherwise. */
export function assertDelivered(record: DeliveryRecord): DeliveryRecord {
  if (!record.ok) throw new DeliveryError(record);
  return record;
}

/** Reads at most `EXCERPT_BYTES` of a body, then cancels the rest. Errors (a stalled body hitting the timeout) give what was read. */
async function excerptOf(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // timed out or reset mid-body: keep what arrived
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
  return truncate(stripControl(new TextDecoder('utf-8', { fatal: false }).decode(bytes)), EXCERPT_MAX);
}

/**
 * A fetch rejection in one line: `timeout` for the AbortSignal's TimeoutError; `connection` when
 * undici names a network cause by its code (ECONNREFUSED, ENOTFOUND, ECONNRESET, UND_ERR_SOCKET,
 * TLS codes…); `request` — not retryable — when fetch refused the request itself (an invalid URL,
 * an unknown scheme, a bad header value): sending it again cannot help.
 */
function describeFailure(err: unknown, timeoutMs: number): { kind: DeliveryErrorKind; message: string; retryable: boolean } {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout', message: `timeout: no answer within ${timeoutMs} ms`, retryable: true };
  const cause = e?.cause;
  if (typeof cause?.code === 'string' && cause.code !== 'ERR_INVALID_URL') {
    return { kind: 'connection', message: truncate(stripControl(`connection failed: ${cause.code}${cause.message ? ` ${cause.message}` : ''}`), 300), retryable: true };
  }
  const detail = cause?.message ?? e?.message ?? String(err);
  return { kind: 'request', message: truncate(stripControl(`request not sent: ${detail}`), 300), retryable: false };
}

/**
 * POST one webhook request with Node 20's `fetch` (undici) and classify the outcome; never throws
 * for a network or HTTP failure (use `assertDelivered` in a job processor).
 *
 * - The whole attempt is bounded by `AbortSignal.timeout(timeoutMs)`.
 * - Redirects are not followed (`redirect: 'manual'`): a 3xx is a failure that is not retried, with
 *   the `Location` in the error — a receiver moving elsewhere must be re-subscribed, never silently
 *   sent signed alerts to another host.
 * - 2xx → ok. 429 and 5xx → retryable, with `Retry-After` (seconds or an HTTP-date) in
 *   `retry_after_ms`. Any other 4xx → not retryable. Timeouts and connection errors → retryable;
 *   a request fetch will not send (invalid URL, unknown scheme, bad header) → not retryable.
 * - `response_excerpt`: at most 2 KiB read, control characters stripped, ≤ 512 characters.
 */
export async function deliver(request: WebhookRequest, opts: DeliverOptions): Promise<DeliveryRecord> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const now = opts.now ?? Date.now;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let res: Response;
  try {
    res = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const f = describeFailure(err, opts.timeoutMs);
    return { status_code: null, ok: false, retryable: f.retryable, duration_ms: elapsed(), error: f.message, error_kind: f.kind, response_excerpt: '' };
  }
  const status = res.status;
  const response_excerpt = await excerptOf(res);
  const duration_ms = elapsed();
  if (status >= 200 && status < 300) return { status_code: status, ok: true, retryable: false, duration_ms, response_excerpt };
  if (status >= 300 && status < 400) {
    const location = truncate(stripControl(res.headers.get('location') ?? '(no Location)'), 300);
    return { status_code: status, ok: false, retryable: false, duration_ms, error: `redirect ${status} to ${location} not followed: update the subscription URL`, error_kind: 'redirect', response_excerpt };
  }
  const retryable = status === 429 || status >= 500;
  const record: DeliveryRecord = { status_code: status, ok: false, retryable, duration_ms, error: `HTTP ${status}${retryable ? '' : ' (not retried)'}`, error_kind: 'http_status', response_excerpt };
  if (retryable) {
    const ra = parseRetryAfter(res.headers.get('retry-after'), now());
    if (ra !== undefined) record.retry_after_ms = ra;
  }
  return record;
}
