import { backoff, parseRetryAfter, webhookBackoffStrategy } from './retry-policy';

describe('backoff', () => {
  it('equal jitter over base·2^(attempt−1): random 0 gives the half, random→1 the whole', () => {
    // defaults base 5 s: attempt 1 → [2500, 5000), attempt 3 → [10000, 20000)
    expect(backoff(1, { random: () => 0 })).toBe(2500);
    expect(backoff(1, { random: () => 0.999999 })).toBe(4999);
    expect(backoff(3, { random: () => 0 })).toBe(10000);
    expect(backoff(3, { random: () => 0.5 })).toBe(15000);
  });
  it('caps the exponential part at maxMs (default 10 min)', () => {
    expect(backoff(30, { random: () => 0 })).toBe(300_000);
    expect(backoff(2000, { random: () => 0.999999 })).toBeLessThan(600_000);
    expect(backoff(4, { baseMs: 1000, maxMs: 4000, random: () => 0 })).toBe(2000);
  });
  it('waits at least Retry-After, up to maxRetryAfterMs (default 1 h)', () => {
    expect(backoff(1, { random: () => 0, retryAfterMs: 120_000 })).toBe(120_000);
    expect(backoff(1, { random: () => 0, retryAfterMs: 1000 })).toBe(2500);
    expect(backoff(1, { random: () => 0, retryAfterMs: 86_400_000 })).toBe(3_600_000);
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2015, 9, 21, 7, 27, 0);
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('webhookBackoffStrategy (BullMQ custom backoff)', () => {
  it('fails at once (-1) for a non-retryable error', () => {
    expect(webhookBackoffStrategy(1, 'webhook', Object.assign(new Error('HTTP 400'), { retryable: false }))).toBe(-1);
  });
  it('backs off for retryable errors and plain errors, honouring retryAfterMs', () => {
    const d = webhookBackoffStrategy(2, 'webhook', Object.assign(new Error('HTTP 503'), { retryable: true }));
    expect(d).toBeGreaterThanOrEqual(5000);
    expect(d).toBeLessThan(10000);
    expect(webhookBackoffStrategy(1, 'webhook', Object.assign(new Error('429'), { retryable: true, retryAfterMs: 90_000 }))).toBe(90_000);
    expect(webhookBackoffStrategy(1, 'webhook', new Error('x'))).toBeGreaterThanOrEqual(2500);
  });
});
