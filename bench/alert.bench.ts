/**
 * `npm run bench:alert`: alert latency of the service, on this machine, against the Redis on
 * 127.0.0.1:6379. Starts `denytrace serve` (API + worker in one process), subscribes a local
 * receiver (node:http) with `POST /v1/webhooks`, then pushes a generated stack with incidents
 * (`generateStack` with `incidents: true`: a region-wide geo block and a post-deploy write denial)
 * in time order, one slice of `--slice-s` seconds of log time every `--slice-s / --speed` wall
 * seconds (each slice one gzip body per log file; each deploy posted to `POST /v1/deploys` with the
 * slice holding its start, as a deploy hook would). Measures, per incident, the wall seconds from
 * the push of the slice holding the incident's first 403 to the arrival of its `firing` webhook,
 * and the log-time lag (spike `detected_at` − the incident's first 403). Prints; asserts nothing.
 *
 * Usage: npm run bench:alert [-- --requests 120000] [-- --rate 20] [-- --speed 30] [-- --slice-s 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Queue } from 'bullmq';
import { Command } from 'commander';
import { generateStack, stackDeploys, type DeployEvent } from '@denytrace/samples';
import { ALERT_QUEUE, CORRELATE_QUEUE, DETECT_EVERY_MS, DETECT_QUEUE, redisConnection } from '@denytrace/queue';
import type { Spike } from '@denytrace/schema';

const ROOT = resolve(__dirname, '..', '..');
const REDIS = 'redis://127.0.0.1:6379';
/**
 * Log time starts 10 minutes before the run (a whole minute), so the stream is live as the worker
 * sees it: a backlog far behind the clock is only evaluated once it stops growing (detect-clock.ts).
 */
const START = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
/** How long to wait for the last `firing` after the last push, ms. */
const TAIL_MS = 240_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Slice {
  /** Log-time end of the slice, epoch ms. */
  endMs: number;
  bodies: Map<string, string[]>;
  /** Incidents whose first 403 is in this slice, with that 403's time. */
  firsts: Array<{ incident: string; ms: number }>;
  deploys: DeployEvent[];
}

/** The stack cut into slices of `sliceMs` of log time (by the WAF record's `timestamp`, which every client request has). */
function slicesOf(opts: { seed: number; start: Date; requests: number; ratePerSecond: number; incidents: true }, sliceMs: number): Slice[] {
  const slices: Slice[] = [];
  const seen = new Set<string>();
  const deploys = stackDeploys(opts);
  let cur: Slice = { endMs: opts.start.getTime() + sliceMs, bodies: new Map(), firsts: [], deploys: [] };
  for (const item of generateStack(opts)) {
    if (item.file === 'truth') {
      const inc = item.truth.incident;
      if (inc && !seen.has(inc)) {
        seen.add(inc);
        cur.firsts.push({ incident: inc, ms: Date.parse(item.truth['@timestamp']) });
      }
      continue;
    }
    if (item.line.startsWith('#')) continue;
    const ts = item.file === 'waf' ? /^\{"timestamp":(\d+)/.exec(item.line) : null;
    while (ts && Number(ts[1]) >= cur.endMs) {
      slices.push(cur);
      cur = { endMs: cur.endMs + sliceMs, bodies: new Map(), firsts: [], deploys: [] };
    }
    let b = cur.bodies.get(item.file);
    if (!b) cur.bodies.set(item.file, (b = []));
    b.push(item.line);
  }
  slices.push(cur);
  for (const d of deploys) {
    const ms = Date.parse(d.started_at);
    (slices.find((s) => ms < s.endMs) ?? slices[slices.length - 1]!).deploys.push(d);
  }
  return slices;
}

/** A local webhook receiver: records each `firing` body's spike and its arrival (wall ms). */
function receiver(): Promise<{ server: Server; url: string; firing: Array<{ at: number; spike: Spike }> }> {
  const firing: Array<{ at: number; spike: Spike }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; spike: Spike };
        if (body.type === 'spike.firing') firing.push({ at, spike: body.spike });
      } catch {
        /* not ours */
      }
      res.writeHead(204).end();
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, firing })));
}

async function waitHealthy(base: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${base}/health did not answer 200 within ${timeoutMs} ms`);
}

async function post(base: string, path: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Which spike kind answers which stack incident label (DenyTruth.incident). */
const KIND_OF: Record<string, Spike['kind']> = { 'region-block': 'region_block', 'post-rollout-write-denial': 'post_rollout_write_denial' };

async function main(): Promise<void> {
  const o = new Command('bench:alert')
    .option('--requests <n>', 'client requests to generate', '120000')
    .option('--rate <n>', 'client requests per second of log time', '20')
    .option('--speed <x>', 'log seconds pushed per wall second', '30')
    .option('--slice-s <s>', 'log seconds per pushed slice', '30')
    .parse(process.argv)
    .opts<{ requests: string; rate: string; speed: string; sliceS: string }>();
  const stack = { seed: 42, start: START, requests: Number(o.requests), ratePerSecond: Number(o.rate), incidents: true as const };
  const sliceMs = Number(o.sliceS) * 1000;
  const wallPerSlice = sliceMs / Number(o.speed);
  const slices = slicesOf(stack, sliceMs);
  const lines = slices.reduce((n, s) => n + [...s.bodies.values()].reduce((m, b) => m + b.length, 0), 0);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`workload: ${stack.requests} client requests at ${stack.ratePerSecond}/s of log time (${((stack.requests / stack.ratePerSecond) / 60).toFixed(0)} min from ${START.toISOString()}), ${lines} log lines in 6 files, incidents: region-wide geo block at 30–36 % of the run, bad deploy at 55 % rolled back at 70 %`);
  out(`pushed in ${slices.length} slices of ${o.sliceS} s of log time, one every ${(wallPerSlice / 1000).toFixed(2)} s of wall time (×${o.speed}), each slice one gzip body per file; detect job every ${DETECT_EVERY_MS / 1000} s`);

  const dataDir = mkdtempSync(join(tmpdir(), 'denytrace-alertbench-'));
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, DENYTRACE_DATA_DIR: dataDir, PORT: String(port), DENYTRACE_QUEUE_PREFIX: prefix, REDIS_URL: REDIS, DENYTRACE_LOG_LEVEL: 'warn' };
  const hook = await receiver();
  const serve: ChildProcess = spawn(process.execPath, ['bin/denytrace.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  serve.stderr?.on('data', (d: Buffer) => {
    const s = d.toString();
    if (/error/i.test(s)) process.stderr.write(`[serve] ${s}`);
  });
  try {
    await waitHealthy(base);
    await post(base, '/v1/webhooks', JSON.stringify({ url: hook.url, secret: randomBytes(24).toString('hex'), format: 'generic' }), { 'content-type': 'application/json' });
    const firsts: Array<{ incident: string; logMs: number; pushedAt: number }> = [];
    const t0 = Date.now();
    let pushBehind = 0;
    for (let i = 0; i < slices.length; i++) {
      const due = t0 + i * wallPerSlice;
      if (Date.now() < due) await sleep(due - Date.now());
      else pushBehind = Math.max(pushBehind, Date.now() - due);
      const s = slices[i]!;
      const pushedAt = Date.now();
      for (const f of s.firsts) firsts.push({ incident: f.incident, logMs: f.ms, pushedAt });
      for (const d of s.deploys) await post(base, '/v1/deploys', JSON.stringify(d), { 'content-type': 'application/json' });
      await Promise.all([...s.bodies.values()].map((b) => post(base, '/v1/ingest', gzipSync(`${b.join('\n')}\n`), { 'content-type': 'text/plain', 'content-encoding': 'gzip' })));
    }
    const pushed = (Date.now() - t0) / 1000;
    const tEnd = Date.now();
    const found = () => firsts.every((f) => hook.firing.some((h) => h.spike.kind === KIND_OF[f.incident]));
    while (!found() && Date.now() - tEnd < TAIL_MS) await sleep(500);
    await sleep(2000);
    out(`push: ${pushed.toFixed(0)} s wall, at most ${(pushBehind / 1000).toFixed(1)} s behind schedule; peak RSS of serve ${peakRssMb(serve.pid)} MB`);
    const lat: number[] = [];
    for (const f of firsts) {
      const h = hook.firing.find((x) => x.spike.kind === KIND_OF[f.incident]);
      if (!h) {
        out(`  ${f.incident}: first 403 at ${new Date(f.logMs).toISOString()} pushed ${((f.pushedAt - t0) / 1000).toFixed(0)} s into the run; NO firing webhook within ${TAIL_MS / 1000} s after the last push`);
        continue;
      }
      const wall = (h.at - f.pushedAt) / 1000;
      lat.push(wall);
      const logLag = (Date.parse(h.spike.detected_at) - f.logMs) / 1000;
      out(`  ${f.incident}: firing ${h.spike.kind} ${h.spike.value} arrived ${wall.toFixed(1)} s (wall) after the push of its first 403; detected_at − first 403 = ${logLag.toFixed(0)} s of log time (= ${(logLag / Number(o.speed)).toFixed(1)} s wall at ×${o.speed})`);
    }
    const others = hook.firing.filter((h) => !Object.values(KIND_OF).includes(h.spike.kind));
    out(`  other firing webhooks: ${others.length}${others.map((h) => `\n    ${h.spike.kind} ${h.spike.value}: ${h.spike.summary}`).join('')}`);
    if (lat.length) out(`alert latency (wall s, over ${lat.length} incidents): min ${Math.min(...lat).toFixed(1)}, max ${Math.max(...lat).toFixed(1)}, mean ${(lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(1)}`);
  } finally {
    serve.kill('SIGTERM');
    hook.server.close();
    await sleep(1500);
    for (const name of [CORRELATE_QUEUE, DETECT_QUEUE, ALERT_QUEUE]) {
      const q = new Queue(name, { connection: redisConnection(REDIS), prefix });
      await q.obliterate({ force: true }).catch(() => undefined);
      const redis = (await q.client) as unknown as import('ioredis').Redis;
      const keys = await redis.keys(`${prefix}:${name}:*`); // the detect job's state keys
      if (keys.length) await redis.del(...keys);
      await q.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Peak resident set of a live process, MB (Linux /proc VmHWM). */
function peakRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:alert: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
