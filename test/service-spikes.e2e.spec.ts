import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DenytraceConfig } from '@denytrace/config';
import { toDeploy, type Spike } from '@denytrace/schema';
import { openStore } from '@denytrace/store';
import { ServeModule } from '../apps/cli/src/serve/serve.module';
import { configureServeApp } from '../apps/cli/src/serve/configure-app';
import { S1 } from './s1-helpers';
import { drain, fileLines, obliterate, push, testConfig } from './service-helpers';

/**
 * Issue 4 end to end: s1 pushed over HTTP as a backlog, one file after another in the worst order
 * (CloudFront first, the app last: the edge alone would show the BR block as many network spikes),
 * its deploys recorded, two service instances with a worker each; the `detect` job finds the incidents and the `alert` queue delivers to a real local
 * receiver that answers 500 to the very first request. The receiver checks each signature from the
 * raw body with its own HMAC and must see exactly one firing then one resolved per spike.
 */
const SECRET = 'whsec_0123456789abcdef';
/** Each s1 file in turn (CloudFront first, the app last), cut into bodies of 20 000 lines (CloudFront's header on each). */
function fileBodies(): string[][] {
  const out: string[][] = [];
  for (const f of ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz']) {
    const lines = fileLines(join(S1, f));
    const header = lines.filter((l) => l.startsWith('#'));
    const rest = lines.filter((l) => !l.startsWith('#'));
    for (let i = 0; i < rest.length; i += 20_000) out.push([...header, ...rest.slice(i, i + 20_000)]);
  }
  return out;
}

interface Received { event: string; dedup: string; spikeId: string; status: number; signatureOk: boolean }

async function startServe(config: DenytraceConfig): Promise<{ app: INestApplication; base: string }> {
  const app = await NestFactory.create(ServeModule.forRoot(config, { worker: true }), { logger: ['error'] });
  configureServeApp(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('service: spikes detected by the worker and delivered to a webhook', () => {
  let config: DenytraceConfig;
  let apps: INestApplication[] = [];
  let receiver: Server;
  const received: Received[] = [];
  let spikes: Spike[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = String(req.headers['x-denytrace-signature'] ?? '');
        const t = /t=(\d+)/.exec(header)?.[1];
        const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
        const expected = t ? createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex') : '';
        const body = JSON.parse(raw) as { type: string; spike: Spike };
        const status = received.length === 0 ? 500 : 200;
        received.push({ event: String(req.headers['x-denytrace-event']), dedup: String(req.headers['x-denytrace-dedup-key']), spikeId: body.spike.id, status, signatureOk: v1 === expected });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;

    config = testConfig();
    const setup = await openStore({ dataDir: config.dataDir });
    await setup.createWebhook({ id: 'wh_test', url: `http://127.0.0.1:${port}/hook`, secret: SECRET, format: 'generic', created_at: new Date().toISOString() });
    await setup.recordDeploys(fileLines(join(S1, 'deploys.jsonl')).map((l) => toDeploy(JSON.parse(l), 'test')));
    await setup.close();
    const first = await startServe(config);
    const second = await startServe(config); // a second worker on the same store and queues
    apps = [first.app, second.app];
    for (const body of fileBodies()) await push(first.base, body, { gzip: true });
    await drain(config);
    const store = await openStore({ dataDir: config.dataDir });
    try {
      const t0 = Date.now();
      for (;;) {
        spikes = (await store.listSpikes({ limit: 100 })).items;
        const done = spikes.length > 0 && spikes.every((s) => s.status === 'resolved') && received.filter((r) => r.status === 200).length >= spikes.length * 2;
        if (done || Date.now() - t0 > 180_000) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await store.close();
    }
  }, 420_000);

  afterAll(async () => {
    for (const a of apps) await a.close();
    receiver?.close();
    if (config) await obliterate(config);
  });

  it('finds the three incidents of s1 (a, b, c) and resolves them', () => {
    expect(spikes.map((s) => `${s.kind} ${s.value}`).sort()).toEqual([
      'post_rollout_write_denial billing-api', 'region_block BR', 'source_network_block 198.51.100.240/28',
    ]);
    expect(spikes.every((s) => s.status === 'resolved')).toBe(true);
  });

  it('delivers exactly one firing then one resolved per spike, signed, after retrying the first 500', () => {
    expect(received[0]!.status).toBe(500);
    expect(received.every((r) => r.signatureOk)).toBe(true);
    const ok = received.filter((r) => r.status === 200);
    for (const s of spikes) {
      const mine = ok.filter((r) => r.spikeId === s.id);
      expect(mine.map((r) => r.event)).toEqual(['spike.firing', 'spike.resolved']);
      expect(new Set(mine.map((r) => r.dedup)).size).toBe(1);
    }
    expect(ok).toHaveLength(spikes.length * 2);
  });

  it('keeps the delivery log: the failed attempt and the retry that succeeded', async () => {
    const store = await openStore({ dataDir: config.dataDir });
    try {
      const log = await store.listDeliveries('wh_test');
      expect(log.filter((d) => !d.ok).map((d) => [d.status_code, d.retryable])).toEqual([[500, true]]);
      expect(log.filter((d) => d.ok)).toHaveLength(spikes.length * 2);
    } finally {
      await store.close();
    }
  });
});
