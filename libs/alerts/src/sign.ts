import { createHmac, timingSafeEqual } from 'node:crypto';

/** The request header that carries the signature. */
export const SIGNATURE_HEADER = 'X-Denytrace-Signature';
/** Default replay window of `verifySignature`, seconds. */
export const DEFAULT_TOLERANCE_SEC = 300;

/** Hex HMAC-SHA256 of `"<t>.<body>"` with `secret` (the `v1` scheme). */
export function computeSignature(t: number, body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/**
 * The `X-Denytrace-Signature` value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * keyed with the subscription's secret. `body` is the exact bytes sent (a string is taken as UTF-8);
 * `nowMs` is epoch milliseconds (UTC), floored to whole seconds for `t`.
 */
export function signatureHeader(body: string | Buffer, secret: string, nowMs: number = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${computeSignature(t, body, secret)}`;
}

/** Why a signature was refused. */
export type SignatureFailure = 'malformed' | 'stale' | 'mismatch';
export type VerifyResult = { ok: true; t: number } | { ok: false; reason: SignatureFailure };

/** Options of `verifySignature`: `toleranceSec` (default 300) and the clock `now`, epoch ms. */
export interface VerifyOptions { toleranceSec?: number; now?: number }

/**
 * Check an `X-Denytrace-Signature` header against the raw body a receiver got. The header is
 * `t=<unix seconds>` and one or more `v1=<64 hex>` (several while a secret is being rotated: any
 * one matching passes); other schemes are ignored. Refused as `malformed` when `t` or every `v1`
 * is missing or not well formed, `stale` when `t` is more than `toleranceSec` from `now` either
 * way (a replayed or badly delayed request), `mismatch` when no `v1` equals the HMAC of
 * `"<t>.<body>"` — compared in constant time. Never throws for a bad header.
 */
export function verifySignature(header: string | null | undefined, body: string | Buffer, secret: string, opts: VerifyOptions = {}): VerifyResult {
  const toleranceSec = opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = opts.now ?? Date.now();
  if (typeof header !== 'string' || header.length > 4096) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(now / 1000 - t) > toleranceSec) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(computeSignature(t, body, secret), 'utf8');
  let match = false;
  for (const c of candidates) {
    // Same length by construction (64 hex): timingSafeEqual never throws here.
    if (timingSafeEqual(expected, Buffer.from(c, 'utf8'))) match = true;
  }
  return match ? { ok: true, t } : { ok: false, reason: 'mismatch' };
}
