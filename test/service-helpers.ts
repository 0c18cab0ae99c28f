import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Queue } from 'bullmq';
import { loadConfig, type DenytraceConfig } from '@denytrace/config';
import { ALERT_QUEUE, CORRELATE_QUEUE, DETECT_QUEUE, redisConnection } from '@denytrace/queue';

/** A config for one test: temporary data dir, its own queue prefix, port 0, no API keys unless given. */
export function testConfig(over: Partial<DenytraceConfig> = {}): DenytraceConfig {
  const base = loadConfig({ HOME: tmpdir(), DENYTRACE_DATA_DIR: mkdtempSync(join(tmpdir(), 'denytrace-svc-')), PORT: '0' });
  return { ...base, queuePrefix: `test-${randomBytes(4).toString('hex')}`, ...over };
}

/** Lines of a (possibly gzip) file, without blank ones. */
export function fileLines(path: string): string[] {
  const buf = readFileSync(path);
  const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** Deterministic shuffle (mulberry32), so a failing order can be replayed. */
export function shuffle<T>(xs: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** POSTs lines to /v1/ingest (gzip when asked) and returns the parsed 202 body. */
export async function push(base: string, lines: string[], o: { gzip?: boolean; key?: string } = {}): Promise<{ accepted: number; rejected: number }> {
  const body = Buffer.from(`${lines.join('\n')}\n`);
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  if (o.gzip) headers['content-encoding'] = 'gzip';
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  const res = await fetch(`${base}/v1/ingest`, { method: 'POST', headers, body: o.gzip ? gzipSync(body) : body });
  if (res.status !== 202) throw new Error(`push answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { accepted: number; rejected: number };
}

/** Waits until the correlate queue has nothing waiting, active or delayed (bounded). */
export async function drain(config: DenytraceConfig, timeoutMs = 120_000): Promise<void> {
  const q = new Queue(CORRELATE_QUEUE, { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix });
  try {
    const t0 = Date.now();
    let quiet = 0;
    while (Date.now() - t0 < timeoutMs) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      // A repeatable job (the sweep) always has its next run delayed: that is not pending work.
      const repeatable = (await q.getJobSchedulers().catch(() => [])).length;
      const busy = c.waiting + c.active + c.prioritized + c['waiting-children'] + Math.max(0, c.delayed - repeatable);
      quiet = busy === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`correlate queue not drained after ${timeoutMs} ms`);
  } finally {
    await q.close();
  }
}

/** Removes every key of a test's queue prefix (its queues and detection state). */
export async function obliterate(config: DenytraceConfig): Promise<void> {
  for (const name of [CORRELATE_QUEUE, DETECT_QUEUE, ALERT_QUEUE]) {
    const q = new Queue(name, { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix });
    try {
      await q.obliterate({ force: true });
      const redis = (await q.client) as unknown as import('ioredis').Redis;
      const keys = await redis.keys(`${config.queuePrefix}:${name}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      await q.close();
    }
  }
}
