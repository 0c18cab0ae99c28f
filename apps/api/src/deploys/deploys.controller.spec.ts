import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDetectProducer, startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';

/** `POST /v1/deploys` and `GET /v1/deploys` over a real SQLite store, the detect producer faked. */
describe('/v1/deploys', () => {
  let dir: string;
  let api: ApiTestApp;
  const detect = new FakeDetectProducer();
  const call = async (method: string, path: string, body?: unknown, key: string | null = TEST_KEYS.ingester, raw?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${api.url}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-deploys-'));
    api = await startApiTestApp({ dataDir: dir, detect });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('201 with the deploy, times in UTC with ms, and asks for a detection run', async () => {
    const { status, body } = await call('POST', '/v1/deploys', {
      service: 'billing-api', version: '2024.03.12-1', environment: 'production', started_at: '2024-03-12T16:10:00+02:00', description: 'invoice permissions', link: 'https://github.com/acme/billing/pull/42',
    });
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^dep_[0-9a-f]{20}$/), service: 'billing-api', version: '2024.03.12-1', environment: 'production',
      started_at: '2024-03-12T14:10:00.000Z', finished_at: null, description: 'invoice permissions', link: 'https://github.com/acme/billing/pull/42', source: 'api',
    });
    expect(detect.reasons).toEqual(['deploy billing-api 2024.03.12-1']);
  });

  it('200 with the same id when posted again; finished_at given later is kept', async () => {
    const first = await call('POST', '/v1/deploys', { service: 'orders', version: 'v7', started_at: '2024-03-12T15:00:00Z' });
    expect(first.status).toBe(201);
    const again = await call('POST', '/v1/deploys', { service: 'orders', version: 'v7', started_at: '2024-03-12T15:00:00.000Z', finished_at: '2024-03-12T15:04:30Z' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, finished_at: '2024-03-12T15:04:30.000Z', environment: '' });
    const same = await call('POST', '/v1/deploys', { service: 'orders', version: 'v7', started_at: '2024-03-12T15:00:00Z' });
    expect(same.status).toBe(200);
    expect(same.body.finished_at).toBe('2024-03-12T15:04:30.000Z');
    const listed = await call('GET', '/v1/deploys?service=orders', undefined, TEST_KEYS.reader);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([first.body.id]);
  });

  it('reads a time without a zone as UTC, whatever the server zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      const { status, body } = await call('POST', '/v1/deploys', { service: 'tz-check', version: '1', started_at: '2024-03-12T14:10' });
      expect(status).toBe(201);
      expect(body.started_at).toBe('2024-03-12T14:10:00.000Z');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('lists by started_at range and service, oldest first', async () => {
    for (const [version, started_at] of [['b', '2024-03-14T10:00:00Z'], ['a', '2024-03-14T09:00:00Z'], ['c', '2024-03-15T09:00:00Z']]) {
      expect((await call('POST', '/v1/deploys', { service: 'search', version, started_at })).status).toBe(201);
    }
    const { status, body } = await call('GET', '/v1/deploys?service=search&since=2024-03-14T00:00:00Z&until=2024-03-15T00:00:00Z', undefined, TEST_KEYS.reader);
    expect(status).toBe(200);
    expect(body.items.map((d: { version: string }) => d.version)).toEqual(['a', 'b']);
    const all = await call('GET', '/v1/deploys?since=2024-03-14T00:00:00Z', undefined, TEST_KEYS.reader);
    expect(all.body.items.map((d: { version: string }) => d.version)).toEqual(['a', 'b', 'c']);
  });

  it('400 validation_failed listing every bad field at once', async () => {
    const { status, body } = await call('POST', '/v1/deploys', { service: '', version: 5, environment: 'x'.repeat(101), started_at: 'yesterday', finished_at: '2024-13-01T00:00:00Z', link: 'ftp://example.com/x', colour: 'red' });
    expect(status).toBe(400);
    expect(body.code).toBe('validation_failed');
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'environment', 'finished_at', 'link', 'service', 'started_at', 'version']);
    expect((await call('POST', '/v1/deploys', {})).body.details.map((d: { field: string }) => d.field).sort()).toEqual(['service', 'started_at', 'version']);
  });

  it('400 for a finish before the start, an ISO week date, a bad range and a body that is not JSON', async () => {
    const early = await call('POST', '/v1/deploys', { service: 's', version: '1', started_at: '2024-03-12T15:00:00Z', finished_at: '2024-03-12T14:59:59Z' });
    expect(early).toMatchObject({ status: 400, body: { code: 'validation_failed', details: [{ field: 'finished_at' }] } });
    const week = await call('POST', '/v1/deploys', { service: 's', version: '1', started_at: '2024-W11-2' });
    expect(week).toMatchObject({ status: 400, body: { details: [{ field: 'started_at' }] } });
    const range = await call('GET', '/v1/deploys?since=2024-03-15T00:00:00Z&until=2024-03-14T00:00:00Z&limit=0', undefined, TEST_KEYS.reader);
    expect(range).toMatchObject({ status: 400, body: { details: [{ field: 'limit' }] } });
    const inverted = await call('GET', '/v1/deploys?since=2024-03-15T00:00:00Z&until=2024-03-14T00:00:00Z', undefined, TEST_KEYS.reader);
    expect(inverted).toMatchObject({ status: 400, body: { details: [{ field: 'until' }] } });
    const notJson = await call('POST', '/v1/deploys', undefined, TEST_KEYS.ingester, '{"service": "s",');
    expect(notJson).toMatchObject({ status: 400, body: { error: 'Bad Request', code: 'bad_request', requestId: expect.stringMatching(/^req_/) } });
    expect(detect.reasons.filter((r) => r.startsWith('deploy s '))).toEqual([]);
  });

  it('roles: ingester or admin records, reader or admin lists; 401 without a key', async () => {
    const deploy = { service: 'roles', version: '1', started_at: '2024-03-16T00:00:00Z' };
    expect((await call('POST', '/v1/deploys', deploy, null)).body.code).toBe('missing_api_key');
    expect((await call('POST', '/v1/deploys', deploy, 'not-a-key-0123456789')).status).toBe(401);
    expect(await call('POST', '/v1/deploys', deploy, TEST_KEYS.reader)).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect((await call('POST', '/v1/deploys', deploy, TEST_KEYS.admin)).status).toBe(201);
    expect(await call('GET', '/v1/deploys', undefined, TEST_KEYS.ingester)).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect((await call('GET', '/v1/deploys', undefined, TEST_KEYS.admin)).status).toBe(200);
    expect((await call('GET', '/v1/deploys', undefined, null)).status).toBe(401);
  });
});
