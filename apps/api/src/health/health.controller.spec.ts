import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiTestApp, type ApiTestApp } from '../testing/api-test-app';

/** `/health` when Redis cannot be reached: 503 naming what is down, the rest still answering. */
describe('GET /health with Redis down', () => {
  let dir: string;
  let api: ApiTestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-health-'));
    // Port 1 on loopback: nothing listens there, so every Redis call fails or times out.
    api = await startApiTestApp({ dataDir: dir, unreachableRedis: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with redis and queues down and the store up, without a key', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const body = (await res.json()) as any;
    expect(body.status).toBe('error');
    expect(body.details.store.status).toBe('up');
    expect(body.details.redis.status).toBe('down');
    expect(body.details.queues.status).toBe('down');
    expect(Object.keys(body.error).sort()).toEqual(['queues', 'redis']);
  });

  it('still serves /metrics', async () => {
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^# TYPE denytrace_verdicts_total counter$/m);
  });
});
