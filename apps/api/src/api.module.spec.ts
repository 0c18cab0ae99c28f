import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedS1, startApiTestApp, TEST_KEYS, type ApiTestApp } from './testing/api-test-app';

const S1 = resolve(__dirname, '../../../../shared/scenarios/s1');

/** The API alone over a store seeded from scenario s1, with keys for every role (DESIGN.md "API conventions"). */
describe('ApiModule', () => {
  let dir: string;
  let api: ApiTestApp;
  const get = (path: string, init: { key?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${api.url}${path}`, { headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-'));
    await seedS1(S1, dir, (r) => r.t >= '2024-03-12T13:20:00Z' && r.t < '2024-03-12T13:22:00Z');
    api = await startApiTestApp({ dataDir: dir });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('auth matrix on GET /v1/traces (reader)', () => {
    it('no key: 401 missing_api_key in the error shape', async () => {
      const res = await get('/v1/traces');
      expect(res.status).toBe(401);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ error: 'Unauthorized', code: 'missing_api_key' });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('unknown key: 401 unknown_api_key', async () => {
      const res = await get('/v1/traces', { key: 'not-a-configured-key-at-all' });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'unknown_api_key' });
    });

    it('reader: 200; admin: 200', async () => {
      for (const key of [TEST_KEYS.reader, TEST_KEYS.admin]) {
        const res = await get('/v1/traces', { key });
        expect(res.status).toBe(200);
        expect(await res.json()).toHaveProperty('items');
      }
    });

    it('ingester: 403 insufficient_scope (an ingester cannot read verdicts)', async () => {
      const res = await get('/v1/traces', { key: TEST_KEYS.ingester });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'Forbidden', code: 'insufficient_scope' });
    });

    it('the same on /v1/summary and /v1/traces/:id', async () => {
      expect((await get('/v1/summary')).status).toBe(401);
      expect((await get('/v1/summary', { key: TEST_KEYS.ingester })).status).toBe(403);
      expect((await get('/v1/traces/abc', { key: TEST_KEYS.ingester })).status).toBe(403);
    });
  });

  describe('X-Request-Id', () => {
    it('echoes a sent id and generates one otherwise', async () => {
      const sent = await get('/v1/traces', { key: TEST_KEYS.reader, headers: { 'x-request-id': 'client-chosen-id-42' } });
      expect(sent.headers.get('x-request-id')).toBe('client-chosen-id-42');
      const generated = await get('/v1/traces', { key: TEST_KEYS.reader });
      expect(generated.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{12}$/);
    });

    it('is on errors and on unknown routes, in the body too', async () => {
      for (const [path, status, code] of [['/v1/nothing-here', 404, 'not_found'], ['/v1/traces?limit=0', 401, 'missing_api_key']] as const) {
        const res = await get(path, { headers: { 'x-request-id': `id-${status}` } });
        expect(res.status).toBe(status);
        expect(res.headers.get('x-request-id')).toBe(`id-${status}`);
        expect(await res.json()).toMatchObject({ code, requestId: `id-${status}` });
      }
    });

    it('is on the public endpoints', async () => {
      for (const path of ['/health', '/metrics', '/docs-json', '/docs']) {
        const res = await get(path);
        expect(res.headers.get('x-request-id')).toMatch(/^req_/);
        await res.arrayBuffer();
      }
    });
  });

  describe('GET /health (public)', () => {
    it('200 with Redis, store and the correlate queue counts', async () => {
      const res = await get('/health');
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.status).toBe('ok');
      expect(body.details.redis.status).toBe('up');
      expect(body.details.store.status).toBe('up');
      // A fresh queue prefix: nothing enqueued yet.
      expect(body.details.queues).toEqual({ status: 'up', correlate: { waiting: 0, active: 0, delayed: 0, failed: 0 } });
    });
  });

  describe('GET /metrics (public)', () => {
    it('serves the Prometheus text format with the queue depth refreshed', async () => {
      const res = await get('/metrics');
      expect(res.status).toBe(200);
      // Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain;/);
      expect(res.headers.get('content-type')).toMatch(/version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/^# TYPE denytrace_queue_jobs gauge$/m);
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(text).toMatch(new RegExp(`^denytrace_queue_jobs\\{queue="correlate",state="${state}"\\} 0$`, 'm'));
      expect(text).toMatch(/^# TYPE denytrace_events_ingested_total counter$/m);
    });
  });

  describe('OpenAPI', () => {
    it('/docs-json lists the routes, the bearer scheme and the DTOs (public)', async () => {
      const res = await get('/docs-json');
      expect(res.status).toBe(200);
      const doc = (await res.json()) as any;
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/traces', '/v1/traces/{id}', '/v1/summary', '/health', '/metrics']));
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/v1/traces'].get.security).toEqual([{ bearer: [] }]);
      const params = doc.paths['/v1/traces'].get.parameters.map((p: { name: string }) => p.name);
      expect(params).toEqual(expect.arrayContaining(['status', 'layer', 'rule', 'since', 'until', 'limit', 'cursor']));
      expect(doc.components.schemas.VerdictDoc.properties).toHaveProperty('emitting_layer');
      expect(doc.paths['/health'].get.security).toBeUndefined();
    });

    it('documents spikes, deploys and webhooks, the GitHub route without a bearer key and the write-only secret', async () => {
      const doc = (await (await get('/docs-json')).json()) as any;
      const routes = ['/v1/spikes', '/v1/spikes/{id}', '/v1/deploys', '/v1/deploys/github', '/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/deliveries'];
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(routes));
      expect(Object.keys(doc.paths['/v1/deploys'].post.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403']));
      expect(doc.paths['/v1/deploys/github'].post.security).toBeUndefined();
      expect(doc.paths['/v1/deploys/github'].post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['X-Hub-Signature-256', 'X-GitHub-Event']));
      expect(doc.paths['/v1/webhooks/{id}'].delete.responses).toHaveProperty('204');
      expect(doc.components.schemas.CreateWebhookDto.properties.secret).toMatchObject({ writeOnly: true, minLength: 16 });
      expect(doc.components.schemas.WebhookDoc.properties).not.toHaveProperty('secret');
      expect(doc.components.schemas.SpikeDoc.properties).toHaveProperty('top_emitter');
    });

    it('/docs serves Swagger UI (public)', async () => {
      const res = await fetch(`${api.url}/docs`, { redirect: 'follow' });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/swagger-ui/i);
    });
  });
});
