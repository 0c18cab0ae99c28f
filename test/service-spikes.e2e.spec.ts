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
 * Issue 4 end to end: s1 pushed over HTTP in 10-minute slices (every file's lines of the slice in one
 * body, as an aggregator would send them), its deploys recorded, two service instances with a worker
 * each; the `detect` job finds the incidents and the `alert` queue delivers to a real local
 * receiver that answers 500 to the very first request. The receiver checks each signature from the
 * raw body with its own HMAC and must see exactly one firing then one resolved per spike.
 */
const SECRET = 'whsec_0123456789abcdef';
const FILES = ['waf.log.gz', 'cloudfront.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'];
const MONTHS: Record<string, string> = { Mar: '03' };

/** The time of a line of one of s1's files, epoch ms (each format's own timestamp). */
function timeOf(line: string): number | undefined {
  let m = /"timestamp":(\d{13})/.exec(line);
  if (m) return Number(m[1]);
  m = /"ts":"([^"]+)"/.exec(line) ?? /^(?:https?|h2) (\S+)/.exec(line);
  if (m) return Date.parse(m[1]!);
  m = /^(\d{4}-\d\d-\d\d)\t(\d\d:\d\d:\d\d)/.exec(line);
  if (m) return Date.parse(`${m[1]}T${m[2]}Z`);
  m = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d)/.exec(line);
  if (m) return Date.parse(`${m[3]}-${MONTHS[m[2]!]}-${m[1]}T${m[4]}Z`);
  m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d)/.exec(line);
  if (m) return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`);
  return undefined;
}

/** s1 cut into 10-minute slices: each slice one body with every file's lines of that slice (CloudFront with its header). */
function slices(): string[][] {
  const SLICE = 10 * 60_000;
  const out = new Map<number, string[]>();
  for (const f of FILES) {
    const lines = fileLines(join(S1, f));
    const header = lines.filter((l) => l.startsWith('#'));
    const bySlice = new Map<number, string[]>();
    for (const l of lines) {
      if (l.startsWith('#')) continue;
      const t = timeOf(l);
      if (t === undefined) throw new Error(`no time in ${f}: ${l.slice(0, 80)}`);
      const k = Math.floor(t / SLICE);
      if (!bySlice.has(k)) bySlice.set(k, []);
      bySlice.get(k)!.push(l);
    }
    for (const [k, ls] of bySlice) {
      if (!out.has(k)) out.set(k, []);
      out.get(k)!.push(...header, ...ls);
    }
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
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
    for (const body of slices()) {
      await push(first.base, body, { gzip: true });
      await drain(config);
    }
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
