import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDetectProducer, startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';

const SECRET = 'gh-webhook-secret-0123456789';

/**
 * A `deployment_status` delivery, typed after GitHub's payload reference
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_status), trimmed to
 * the objects read plus a few others GitHub sends.
 */
function deploymentStatus(state: string, o: { statusAt?: string; payload?: unknown; ref?: string } = {}) {
  return {
    action: 'created',
    deployment_status: {
      url: 'https://api.github.com/repos/acme/billing-api/deployments/1234/statuses/1',
      id: 1, state, description: state === 'success' ? 'Deployment finished successfully.' : '', environment: 'production',
      target_url: 'https://ci.example.com/runs/99', log_url: 'https://ci.example.com/runs/99/logs',
      created_at: o.statusAt ?? '2024-03-12T14:14:30Z', updated_at: o.statusAt ?? '2024-03-12T14:14:30Z',
      deployment_url: 'https://api.github.com/repos/acme/billing-api/deployments/1234', repository_url: 'https://api.github.com/repos/acme/billing-api',
    },
    deployment: {
      url: 'https://api.github.com/repos/acme/billing-api/deployments/1234', id: 1234, node_id: 'DE_kwDOA', task: 'deploy',
      sha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d', ref: o.ref ?? 'v2024.03.12', payload: o.payload ?? {}, original_environment: 'production', environment: 'production',
      description: 'Deploy request from CI', created_at: '2024-03-12T14:10:00Z', updated_at: '2024-03-12T14:14:30Z',
    },
    repository: { id: 1, name: 'billing-api', full_name: 'acme/billing-api', private: true },
    sender: { login: 'deploy-bot', id: 2, type: 'Bot' },
  };
}

/** `POST /v1/deploys/github` with signatures computed here with node:crypto, as GitHub computes them. */
describe('POST /v1/deploys/github', () => {
  let dir: string;
  let api: ApiTestApp;
  const detect = new FakeDetectProducer();
  const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const deliver = async (event: string, body: string, o: { signature?: string | null; contentType?: string; app?: ApiTestApp } = {}) => {
    const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/json', 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    const signature = o.signature === undefined ? sign(body) : o.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    const res = await fetch(`${(o.app ?? api).url}/v1/deploys/github`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-github-'));
    api = await startApiTestApp({ dataDir: dir, detect, env: { DENYTRACE_GITHUB_WEBHOOK_SECRET: SECRET } });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ping: 200 without an API key', async () => {
    expect(await deliver('ping', JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }))).toEqual({ status: 200, body: { status: 'pong', event: 'ping' } });
  });

  it('a deployment_status in progress, then its success: one deploy, finished when the status says so', async () => {
    const rolling = await deliver('deployment_status', JSON.stringify(deploymentStatus('in_progress', { statusAt: '2024-03-12T14:10:05Z' })));
    expect(rolling.status).toBe(201);
    expect(rolling.body).toMatchObject({ status: 'recorded', event: 'deployment_status' });
    expect(rolling.body.deploy).toMatchObject({
      service: 'billing-api', version: 'v2024.03.12', environment: 'production', started_at: '2024-03-12T14:10:00.000Z', finished_at: null,
      link: 'https://ci.example.com/runs/99/logs', source: 'github', description: 'github in_progress a84d88e7554f: Deploy request from CI',
    });
    const done = await deliver('deployment_status', JSON.stringify(deploymentStatus('success')));
    expect(done.status).toBe(200);
    expect(done.body.deploy).toMatchObject({ id: rolling.body.deploy.id, finished_at: '2024-03-12T14:14:30.000Z', description: 'github success a84d88e7554f: Deployment finished successfully.' });
    expect(detect.reasons).toEqual(['deploy billing-api v2024.03.12', 'deploy billing-api v2024.03.12']);
    const listed = await fetch(`${api.url}/v1/deploys?service=billing-api`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}` } });
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('takes the service from deployment.payload.service (object or JSON text), the sha when there is no ref', async () => {
    const object = await deliver('deployment_status', JSON.stringify(deploymentStatus('pending', { payload: { service: 'billing-worker' } })));
    expect(object.body.deploy).toMatchObject({ service: 'billing-worker', version: 'v2024.03.12' });
    const text = await deliver('deployment_status', JSON.stringify(deploymentStatus('pending', { payload: '{"service":"billing-cron"}', ref: '' })));
    expect(text.body.deploy).toMatchObject({ service: 'billing-cron', version: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d', description: 'github pending: Deploy request from CI' });
  });

  it('accepts the form-encoded delivery GitHub offers (JSON in the payload field), signed over the form body', async () => {
    const form = new URLSearchParams({ payload: JSON.stringify(deploymentStatus('failure', { payload: { service: 'form-svc' } })) }).toString();
    const res = await deliver('deployment_status', form, { contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(201);
    expect(res.body.deploy).toMatchObject({ service: 'form-svc', finished_at: '2024-03-12T14:14:30.000Z' });
  });

  it('401 for a missing, malformed or wrong signature, and for a signature of the same JSON re-serialised', async () => {
    const body = JSON.stringify(deploymentStatus('success', { payload: { service: 'never-stored' } }));
    expect(await deliver('deployment_status', body, { signature: null })).toMatchObject({ status: 401, body: { code: 'missing_signature' } });
    expect(await deliver('deployment_status', body, { signature: 'sha256=nothex' })).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    expect(await deliver('deployment_status', body, { signature: sign(body, 'another-secret-0123456789') })).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    expect(await deliver('deployment_status', pretty, { signature: sign(body) })).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    expect(await deliver('deployment_status', pretty, { signature: sign(pretty) })).toMatchObject({ status: 201 });
    const stored = await fetch(`${api.url}/v1/deploys?service=never-stored`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}` } });
    expect(((await stored.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('202 ignored for other events; 400 naming what a deployment_status lacks', async () => {
    expect(await deliver('push', JSON.stringify({ ref: 'refs/heads/main' }))).toEqual({ status: 202, body: { status: 'ignored', event: 'push' } });
    const broken = deploymentStatus('success');
    delete (broken.deployment as Partial<typeof broken.deployment>).created_at;
    delete (broken.repository as Partial<typeof broken.repository>).name;
    const res = await deliver('deployment_status', JSON.stringify(broken));
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['deployment.created_at', 'repository.name']);
  });

  it('404 not_configured when DENYTRACE_GITHUB_WEBHOOK_SECRET is not set', async () => {
    const offDir = mkdtempSync(join(tmpdir(), 'denytrace-api-github-off-'));
    const off = await startApiTestApp({ dataDir: offDir, detect: new FakeDetectProducer() });
    try {
      const body = JSON.stringify(deploymentStatus('success'));
      expect(await deliver('deployment_status', body, { app: off })).toMatchObject({ status: 404, body: { code: 'not_configured' } });
    } finally {
      await off.close();
      rmSync(offDir, { recursive: true, force: true });
    }
  });
});
