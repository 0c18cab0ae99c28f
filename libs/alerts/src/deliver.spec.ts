import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertDelivered, deliver, DeliveryError, EXCERPT_MAX } from './deliver';
import { buildWebhookRequest } from './request';
import { verifySignature } from './sign';
import { regionSpike, subscription } from './testing/spike.fixture';

interface Received { method: string; url: string; headers: IncomingMessage['headers']; raw: Buffer }
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A real HTTP receiver on 127.0.0.1, port 0; records raw bodies; answers with `handler`. */
async function receiver(handler: Handler): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method!, url: req.url!, headers: req.headers, raw: Buffer.concat(chunks) });
      handler(req, res, got.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const NOW = Date.UTC(2024, 2, 12, 15, 0, 0);

describe('deliver to a real HTTP receiver', () => {
  it('sends the signed body; the receiver verifies it from the raw bytes with its own HMAC', async () => {
    const rx = await receiver((_req, res) => res.writeHead(204).end());
    const sub = subscription('slack', 'sub-1', { url: rx.url, secret: 'whsec_rx' });
    const request = buildWebhookRequest(regionSpike, 'firing', sub, { now: NOW });
    const rec = await deliver(request, { timeoutMs: 2000 });
    expect(rec).toMatchObject({ status_code: 204, ok: true, retryable: false, response_excerpt: '' });
    expect(rec.error).toBeUndefined();

    expect(rx.got).toHaveLength(1);
    const r = rx.got[0];
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-denytrace-event']).toBe('spike.firing');
    expect(r.headers['user-agent']).toBe('denytrace-webhooks/1');
    // Independent check, as a receiver would write it: t from the header, HMAC over "<t>." + raw body.
    const header = String(r.headers['x-denytrace-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(NOW / 1000);
    const mine = createHmac('sha256', 'whsec_rx').update(Buffer.concat([Buffer.from(`${m![1]}.`), r.raw])).digest();
    expect(timingSafeEqual(mine, Buffer.from(m![2], 'hex'))).toBe(true);
    expect(verifySignature(header, r.raw, 'whsec_rx', { now: NOW + 1000 })).toEqual({ ok: true, t: NOW / 1000 });
    expect(JSON.parse(r.raw.toString('utf8')).blocks[0].type).toBe('header');
  });

  it('a receiver answering 500 then 200: a retryable failure, then a success', async () => {
    const rx = await receiver((_req, res, n) => (n === 1 ? res.writeHead(500, { 'content-type': 'text/plain' }).end('boom\u001b[31m\n') : res.writeHead(200).end('ok')));
    const request = buildWebhookRequest(regionSpike, 'firing', subscription('generic', 'sub-1', { url: rx.url }), { now: NOW });
    const first = await deliver(request, { timeoutMs: 2000 });
    expect(first).toMatchObject({ status_code: 500, ok: false, retryable: true, error: 'HTTP 500', error_kind: 'http_status', response_excerpt: 'boom[31m ' });
    expect(() => assertDelivered(first)).toThrow(DeliveryError);
    const second = await deliver(request, { timeoutMs: 2000 });
    expect(second).toMatchObject({ status_code: 200, ok: true, retryable: false, response_excerpt: 'ok' });
    expect(assertDelivered(second)).toBe(second);
    expect(rx.got.map((g) => g.raw.toString())).toEqual([request.body, request.body]);
  });

  it('a 400 is not retryable; the thrown DeliveryError says so', async () => {
    const rx = await receiver((_req, res) => res.writeHead(400).end('{"error":"bad"}'));
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url: rx.url })), { timeoutMs: 2000 });
    expect(rec).toMatchObject({ status_code: 400, ok: false, retryable: false, error: 'HTTP 400 (not retried)', response_excerpt: '{"error":"bad"}' });
    try {
      assertDelivered(rec);
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(DeliveryError);
      expect((e as DeliveryError).retryable).toBe(false);
    }
  });

  it('a 429 is retryable and its Retry-After is kept', async () => {
    const rx = await receiver((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url: rx.url })), { timeoutMs: 2000 });
    expect(rec).toMatchObject({ status_code: 429, ok: false, retryable: true, retry_after_ms: 7000 });
    expect(() => assertDelivered(rec)).toThrow(DeliveryError);
    expect(new DeliveryError(rec)).toMatchObject({ retryable: true, retryAfterMs: 7000, message: 'HTTP 429' });
  });

  it('a slow receiver times out: retryable, no status', async () => {
    const rx = await receiver(() => undefined); // never answers
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url: rx.url })), { timeoutMs: 150 });
    expect(rec).toMatchObject({ status_code: null, ok: false, retryable: true, error_kind: 'timeout', error: 'timeout: no answer within 150 ms' });
  });

  it('a redirect to another host is not followed and not retried', async () => {
    const other = await receiver((_req, res) => res.writeHead(200).end());
    const rx = await receiver((_req, res) => res.writeHead(302, { location: other.url }).end());
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url: rx.url })), { timeoutMs: 2000 });
    expect(rec).toMatchObject({ status_code: 302, ok: false, retryable: false, error_kind: 'redirect' });
    expect(rec.error).toBe(`redirect 302 to ${other.url} not followed: update the subscription URL`);
    expect(other.got).toHaveLength(0);
  });

  it('a refused connection is retryable', async () => {
    const rx = await receiver(() => undefined);
    const url = rx.url;
    rx.server.closeAllConnections();
    await new Promise((r) => rx.server.close(r));
    servers.splice(servers.indexOf(rx.server), 1);
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url })), { timeoutMs: 2000 });
    expect(rec).toMatchObject({ status_code: null, ok: false, retryable: true, error_kind: 'connection' });
    expect(rec.error).toMatch(/^connection failed: ECONNREFUSED/);
  });

  it('the response excerpt is bounded and free of control characters', async () => {
    const rx = await receiver((_req, res) => res.writeHead(503).end('\u0007x'.repeat(100_000)));
    const rec = await deliver(buildWebhookRequest(regionSpike, 'firing', subscription('generic', 's', { url: rx.url })), { timeoutMs: 2000 });
    expect(rec.retryable).toBe(true);
    expect(rec.response_excerpt.length).toBe(EXCERPT_MAX);
    expect(rec.response_excerpt).toMatch(/^x+…$/);
  });
});

describe('deliver with an injected fetch', () => {
  it('a connection reset reported by fetch becomes a retryable connection failure', async () => {
    const fetchImpl = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    }) as unknown as typeof fetch;
    const rec = await deliver({ url: 'https://hooks.example.com/x', method: 'POST', headers: {}, body: '{}' }, { timeoutMs: 1000, fetchImpl });
    expect(rec).toMatchObject({ status_code: null, ok: false, retryable: true, error_kind: 'connection', error: 'connection failed: ECONNRESET read ECONNRESET' });
  });
  it('a request fetch refuses to send (invalid URL, unknown scheme) is not retryable', async () => {
    const bad = await deliver({ url: 'not a url', method: 'POST', headers: {}, body: '{}' }, { timeoutMs: 1000 });
    expect(bad).toMatchObject({ status_code: null, ok: false, retryable: false, error_kind: 'request', error: 'request not sent: Invalid URL' });
    const scheme = await deliver({ url: 'ftp://hooks.example.com/x', method: 'POST', headers: {}, body: '{}' }, { timeoutMs: 1000 });
    expect(scheme).toMatchObject({ retryable: false, error_kind: 'request', error: 'request not sent: unknown scheme' });
  });
  it('an HTTP-date Retry-After on a 503 is read against the injected clock', async () => {
    const fetchImpl = (async () => new Response('down', { status: 503, headers: { 'retry-after': 'Tue, 12 Mar 2024 15:02:00 GMT' } })) as typeof fetch;
    const rec = await deliver({ url: 'https://hooks.example.com/x', method: 'POST', headers: {}, body: '{}' }, { timeoutMs: 1000, fetchImpl, now: () => NOW });
    expect(rec).toMatchObject({ status_code: 503, retryable: true, retry_after_ms: 120_000, response_excerpt: 'down' });
  });
});
