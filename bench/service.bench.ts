/**
 * `npm run bench:service`: the service under load, on this machine, against the Redis on
 * 127.0.0.1:6379. Generates ≥ 1 M events with the project's generator, starts `denytrace serve`
 * (and for the second run one extra worker process), pushes every file over HTTP, and prints:
 * events/s accepted, seconds until the last verdict is decided, `GET /v1/traces/:id` p50/p99 under
 * 20 concurrent clients (autocannon), and peak RSS per process. Prints; asserts nothing.
 *
 * Usage: npm run bench:service [-- --requests 270000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Command } from 'commander';
import { writeStack } from '@denytrace/samples';
import { CORRELATE_QUEUE, redisConnection } from '@denytrace/queue';

const ROOT = resolve(__dirname, '..', '..');
const LOGS = ['waf.log', 'cloudfront.log', 'alb.log', 'nginx.log', 'nginx-error.log', 'app.log'];
const REDIS = 'redis://127.0.0.1:6379';
const BODY_LINES = 20_000;
const PUSH_CONCURRENCY = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function start(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    const s = d.toString();
    if (/error/i.test(s)) process.stderr.write(`[${args[0].split('/').pop()}] ${s}`);
  });
  return child;
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

/** Pushes every file in bodies of BODY_LINES lines (gzip), PUSH_CONCURRENCY at a time. Returns lines accepted. */
async function pushAll(base: string, logs: string): Promise<number> {
  const bodies: Buffer[] = [];
  for (const f of LOGS) {
    const lines = readFileSync(join(logs, f), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    for (let i = 0; i < lines.length; i += BODY_LINES) bodies.push(gzipSync(`${lines.slice(i, i + BODY_LINES).join('\n')}\n`));
  }
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: PUSH_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${base}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, body });
        if (res.status !== 202) throw new Error(`push answered ${res.status}: ${await res.text()}`);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      }
    }),
  );
  return accepted;
}

/** Waits until the correlate queue has no pending work (the sweep's next run aside). */
async function drained(prefix: string): Promise<void> {
  const q = new Queue(CORRELATE_QUEUE, { connection: redisConnection(REDIS), prefix });
  try {
    let quiet = 0;
    for (;;) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const repeat = (await q.getJobSchedulers()).length;
      quiet = c.waiting + c.active + c.prioritized + Math.max(0, c.delayed - repeat) === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return;
      await sleep(200);
    }
  } finally {
    await q.close();
  }
}

async function lookupLatency(base: string): Promise<{ p50: number; p99: number; rps: number }> {
  const res = await fetch(`${base}/v1/traces?status=403&limit=1000`);
  const ids = ((await res.json()) as { items: Array<{ correlation_ids: string[] }> }).items.map((v) => v.correlation_ids[0]).filter(Boolean);
  let i = 0;
  const result = await autocannon({
    url: base,
    connections: 20,
    duration: 10,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/traces/${encodeURIComponent(ids[i++ % ids.length])}` }) }],
  });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average) };
}

async function run(logs: string, lines: number, workers: 1 | 2): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'denytrace-svcbench-'));
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const env = { DENYTRACE_DATA_DIR: dataDir, PORT: String(port), DENYTRACE_QUEUE_PREFIX: prefix, REDIS_URL: REDIS, DENYTRACE_LOG_LEVEL: 'warn' };
  const base = `http://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [start(['bin/denytrace.js', 'serve'], env)];
  try {
    await waitHealthy(base);
    if (workers === 2) procs.push(start(['dist/apps/worker/src/main.js'], env));
    const t0 = Date.now();
    const accepted = await pushAll(base, logs);
    const pushed = (Date.now() - t0) / 1000;
    await drained(prefix);
    const decided = (Date.now() - t0) / 1000;
    const lat = await lookupLatency(base);
    const rss = procs.map((p) => peakRssMb(p.pid));
    return [
      `${workers} worker process${workers === 1 ? ' (in serve)' : 'es (serve + 1)'}:`,
      `  push: ${accepted} of ${lines} lines accepted in ${pushed.toFixed(1)} s = ${Math.round(accepted / pushed).toLocaleString('en-US')} events/s`,
      `  last verdict decided ${decided.toFixed(1)} s after the first push (${(decided - pushed).toFixed(1)} s after the last)`,
      `  GET /v1/traces/:id, 20 clients for 10 s: p50 ${lat.p50} ms, p99 ${lat.p99} ms, ${lat.rps} req/s`,
      `  peak RSS: ${rss.map((r, i) => `${i === 0 ? 'serve' : 'worker'} ${r} MB`).join(', ')}`,
    ].join('\n');
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(1500);
    const q = new Queue(CORRELATE_QUEUE, { connection: redisConnection(REDIS), prefix });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = new Command('bench:service').option('--requests <n>', 'client requests to generate (≈4 log lines each)', '270000').parse(process.argv).opts<{ requests: string }>();
  const work = mkdtempSync(join(tmpdir(), 'denytrace-svcbench-logs-'));
  try {
    const counts = await writeStack(work, { seed: 42, start: new Date('2024-06-04T00:00:00Z'), requests: Number(o.requests), ratePerSecond: 40, incidents: true });
    const lines = LOGS.reduce((n, f) => n + (counts[f] ?? 0), 0);
    process.stdout.write(`workload: ${o.requests} client requests, ${lines} log lines in ${LOGS.length} files, pushed as gzip bodies of ${BODY_LINES} lines, ${PUSH_CONCURRENCY} at a time\n`);
    for (const w of [1, 2] as const) process.stdout.write(`${await run(work, lines, w)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:service: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
