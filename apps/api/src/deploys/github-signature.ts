import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a GitHub delivery's signature was refused. */
export type GithubSignatureProblem = 'missing' | 'malformed' | 'mismatch';

/**
 * Checks GitHub's `X-Hub-Signature-256` header: `sha256=` and the hex HMAC-SHA256 of the raw request
 * body keyed with the webhook's secret ("Validating webhook deliveries",
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). The body must be
 * the bytes as received, never re-serialised JSON. The digests are compared with `timingSafeEqual`
 * (both 32 bytes, so nothing leaks through length). Returns `null` when it matches, else why not;
 * never throws.
 */
export function checkGithubSignature(header: string | undefined, rawBody: Buffer, secret: string): GithubSignatureProblem | null {
  if (header === undefined || header.trim() === '') return 'missing';
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m) return 'malformed';
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex')) ? null : 'mismatch';
}
