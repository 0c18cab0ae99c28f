import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryRecord } from '@denytrace/schema';
import { EVENT_STORE, type EventStore } from '@denytrace/store';
import { startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';

const SECRET = 'whsec-do-not-echo-0123456789';

/** `/v1/webhooks` over a real SQLite store: subscriptions, secrets never shown, the delivery log. */
describe('/v1/webhooks', () => {
  let dir: string;
  let api: ApiTestApp;
  let store: EventStore;
  const call = async (method: string, path: string, body?: unknown, key: string | null = TEST_KEYS.admin) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, body: (text ? JSON.parse(text) : undefined) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-webhooks-'));
    api = await startApiTestApp({ dataDir: dir });
    store = api.app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a subscription (201) and never shows its secret, in create, get or list', async () => {
    const created = await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/denytrace', secret: SECRET, kinds: ['region_block', 'new_rule'], services: ['billing-api'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-f]{24}$/), url: 'https://hooks.example.com/denytrace', format: 'generic', kinds: ['region_block', 'new_rule'], services: ['billing-api'],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), secret_set: true,
    });
    const one = await call('GET', `/v1/webhooks/${created.body.id}`);
    const list = await call('GET', '/v1/webhooks');
    expect(one.body).toEqual(created.body);
    expect(list.body.items).toContainEqual(created.body);
    for (const r of [created, one, list]) expect(r.text).not.toContain(SECRET);
    expect((await store.getWebhook(created.body.id))?.secret).toBe(SECRET); // kept for signing
  });

  it('slack and pagerduty formats; empty filters mean all', async () => {
    const slack = await call('POST', '/v1/webhooks', { url: 'https://hooks.slack.com/services/T0/B0/x', secret: SECRET, format: 'slack', kinds: [] });
    expect(slack.body).toMatchObject({ format: 'slack', kinds: [], services: [] });
    const pd = await call('POST', '/v1/webhooks', { url: 'https://events.pagerduty.com/v2/enqueue', secret: 'R0UT1NGKEY0123456789abcdefabcdef', format: 'pagerduty' });
    expect(pd.status).toBe(201);
    expect(pd.text).not.toContain('R0UT1NGKEY');
  });

  it('400 validation_failed listing every bad field at once', async () => {
    const { status, body } = await call('POST', '/v1/webhooks', { url: 42, secret: 'short', format: 'teams', kinds: ['region_block', 'everything'], services: [''], colour: 'red' });
    expect(status).toBe(400);
    expect(body.code).toBe('validation_failed');
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'format', 'kinds', 'secret', 'services', 'url']);
  });

  it("400 with validateWebhookUrl's problem as the code", async () => {
    const ftp = await call('POST', '/v1/webhooks', { url: 'ftp://example.com/hook', secret: SECRET });
    expect(ftp).toMatchObject({ status: 400, body: { code: 'unsupported_scheme', details: [{ field: 'url' }] } });
    expect((await call('POST', '/v1/webhooks', { url: 'https://user:pw@example.com/hook', secret: SECRET })).body.code).toBe('credentials_in_url');
    expect((await call('POST', '/v1/webhooks', { url: 'hooks.example.com/x', secret: SECRET })).body.code).toBe('invalid_url');
    expect(ftp.text).not.toContain(SECRET);
  });

  it('the delivery log, newest first, limited; 404 for an unknown subscription', async () => {
    const { body: w } = await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/log', secret: SECRET });
    const attempt = (n: number, ok: boolean): DeliveryRecord => ({
      id: `dl_${n}`, webhook_id: w.id, spike_id: 'spk_a', event: 'firing', dedup_key: 'denytrace-0000000000000000000000000000000000000000', attempt: n,
      status_code: ok ? 204 : 503, ok, retryable: !ok, duration_ms: 12, error: ok ? null : 'HTTP 503', response_excerpt: null, at: `2024-03-12T14:5${n}:00.000Z`,
    });
    for (const d of [attempt(1, false), attempt(2, false), attempt(3, true)]) await store.recordDelivery(d);
    const all = await call('GET', `/v1/webhooks/${w.id}/deliveries`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: DeliveryRecord) => d.id)).toEqual(['dl_3', 'dl_2', 'dl_1']);
    expect(all.body.items[0]).toEqual(attempt(3, true));
    expect((await call('GET', `/v1/webhooks/${w.id}/deliveries?limit=1`)).body.items.map((d: DeliveryRecord) => d.id)).toEqual(['dl_3']);
    expect((await call('GET', `/v1/webhooks/${w.id}/deliveries?limit=5000`)).body.details[0].field).toBe('limit');
    expect(await call('GET', '/v1/webhooks/wh_nope/deliveries')).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('DELETE: 204, then 404 for it everywhere', async () => {
    const { body: w } = await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/gone', secret: SECRET });
    const del = await call('DELETE', `/v1/webhooks/${w.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect(await call('DELETE', `/v1/webhooks/${w.id}`)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await call('GET', `/v1/webhooks/${w.id}`)).status).toBe(404);
    expect((await call('GET', '/v1/webhooks')).body.items.map((x: { id: string }) => x.id)).not.toContain(w.id);
  });

  it('admin only: 401 without a key, 403 for reader and ingester keys', async () => {
    expect((await call('GET', '/v1/webhooks', undefined, null)).body.code).toBe('missing_api_key');
    for (const key of [TEST_KEYS.reader, TEST_KEYS.ingester]) {
      expect(await call('GET', '/v1/webhooks', undefined, key)).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
      expect((await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/x', secret: SECRET }, key)).status).toBe(403);
      expect((await call('DELETE', '/v1/webhooks/wh_x', undefined, key)).status).toBe(403);
    }
  });
});
