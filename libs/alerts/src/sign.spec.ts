import { createHmac } from 'node:crypto';
import { computeSignature, signatureHeader, verifySignature } from './sign';

const SECRET = 'whsec_test';
const BODY = '{"a":1}';
const T = 1710255000; // 2024-03-12T14:50:00Z
// Computed outside the code: printf '%s' '1710255000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
const OPENSSL_HEX = 'e8704c92b0f9261e28d29d7cc0bc082b77ffddd9e099f352c5a8166eabe12a86';

describe('signatureHeader', () => {
  it('is t=<unix s>,v1=<HMAC-SHA256 hex of "<t>.<body>">, equal to openssl and to node:crypto', () => {
    const header = signatureHeader(BODY, SECRET, T * 1000 + 999); // ms floored to seconds
    expect(header).toBe(`t=${T},v1=${OPENSSL_HEX}`);
    expect(createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex')).toBe(OPENSSL_HEX);
  });
  it('a Buffer body signs the same bytes as its UTF-8 string', () => {
    const body = '{"v":"São ×84"}';
    expect(computeSignature(T, Buffer.from(body, 'utf8'), SECRET)).toBe(computeSignature(T, body, SECRET));
  });
});

describe('verifySignature', () => {
  const header = `t=${T},v1=${OPENSSL_HEX}`;
  const now = T * 1000;

  it('accepts the right body within the window', () => {
    expect(verifySignature(header, BODY, SECRET, { now })).toEqual({ ok: true, t: T });
    expect(verifySignature(header, Buffer.from(BODY), SECRET, { now: now + 300_000 })).toEqual({ ok: true, t: T });
  });
  it('refuses a tampered body, a wrong secret', () => {
    expect(verifySignature(header, '{"a":2}', SECRET, { now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(header, BODY + ' ', SECRET, { now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(header, BODY, 'whsec_other', { now })).toEqual({ ok: false, reason: 'mismatch' });
  });
  it('refuses a replay outside the window, either way, honouring toleranceSec', () => {
    expect(verifySignature(header, BODY, SECRET, { now: now + 301_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(header, BODY, SECRET, { now: now - 301_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(header, BODY, SECRET, { now: now + 61_000, toleranceSec: 60 })).toEqual({ ok: false, reason: 'stale' });
  });
  it('a changed t invalidates the signature (t is signed)', () => {
    expect(verifySignature(`t=${T + 1},v1=${OPENSSL_HEX}`, BODY, SECRET, { now })).toEqual({ ok: false, reason: 'mismatch' });
  });
  it('any one of several v1 values may match (secret rotation); unknown schemes ignored', () => {
    const other = 'a'.repeat(64);
    expect(verifySignature(`t=${T},v0=zz,v1=${other},v1=${OPENSSL_HEX}`, BODY, SECRET, { now }).ok).toBe(true);
    expect(verifySignature(`t=${T}, v1=${OPENSSL_HEX.toUpperCase()}`, BODY, SECRET, { now }).ok).toBe(true);
  });
  it('malformed headers are refused without throwing', () => {
    for (const h of [undefined, null, '', 'garbage', `v1=${OPENSSL_HEX}`, `t=${T}`, `t=abc,v1=${OPENSSL_HEX}`, `t=${T},v1=${OPENSSL_HEX.slice(1)}`, `t=${T},v1=${'g'.repeat(64)}`]) {
      expect(verifySignature(h as string, BODY, SECRET, { now })).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
