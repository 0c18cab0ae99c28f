/**
 * `npm run bench:detect`: one spike-detection replay (`replaySpikes`, as `denytrace spikes` runs it)
 * over a synthetic day of 10 M requests. The store is filled directly with what detection reads
 * (dimension counters per 30 s bucket and the 403 verdicts, see detect-workload.ts) — no log lines.
 * Phases, each in its own child process so that its peak RSS is its own:
 * 1. write: deploys, counters, verdicts into a fresh SQLite store (not detection; timed for scale);
 * 2. detect: `replaySpikes(store)`, timed as load (counter rows read, verdicts read and reduced,
 *    `DetectionData` indexed) and ticks (one per 30 s of data), plus peak RSS.
 * Prints the injected incidents and which spikes matched them, and every other spike (the
 * precision on this load). Asserts nothing.
 *
 * Usage: npm run bench:detect [-- --requests 10000000] [-- --hours 24] [-- --dir /tmp/x] [-- --heap-mb 6144]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { replaySpikes, type DetectionSource } from '@denytrace/detection';
import type { Spike } from '@denytrace/schema';
import { openStore } from '@denytrace/store';
import { writeWorkload, type WorkloadSummary } from './detect-workload';

const START = Date.UTC(2024, 5, 4, 0, 0, 0);
const SEED = 42;

interface WriteResult { phase: 'write'; seconds: number; cpuSeconds: number; peakRssMb: number; summary: WorkloadSummary; dbMb: number }
interface DetectResult {
  phase: 'detect';
  seconds: number;
  /** User + system CPU of the whole phase: what the figure would be on an idle machine, roughly. */
  cpuSeconds: number;
  peakRssMb: number;
  counterRows: number;
  denials: number;
  countersSeconds: number;
  verdictsSeconds: number;
  indexSeconds: number;
  ticks: number;
  tickSeconds: number;
  slowestTickMs: number;
  spikes: Spike[];
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const secondsSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

async function phaseWrite(dataDir: string, requests: number, hours: number): Promise<WriteResult> {
  const store = await openStore({ dataDir });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const summary = await writeWorkload(store, { requests, hours, seed: SEED, start: START });
  const seconds = secondsSince(t0);
  await store.close();
  const dbMb = Math.round(readdirSync(dataDir).filter((f) => f.startsWith('events.db')).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0) / 1048576);
  return { phase: 'write', seconds, cpuSeconds: cpuSeconds(cpu0), peakRssMb: peakRssMb(), summary, dbMb };
}

/**
 * `replaySpikes` on the stored workload. The store is wrapped to time its reads: counter rows
 * (`dimensionCounts`), verdicts (`tracesInRange`, reduced to denials as they stream), then the
 * `DetectionData` index (ends when replay asks for the deploys); ticks run after that.
 */
async function phaseDetect(dataDir: string): Promise<DetectResult> {
  const store = await openStore({ dataDir });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const marks: Record<string, bigint> = {};
  let counterRows = 0;
  let denials = 0;
  const source: DetectionSource = {
    async dimensionCounts(since, until) {
      const rows = await store.dimensionCounts(since, until);
      marks.counters = process.hrtime.bigint();
      counterRows = rows.length;
      return rows;
    },
    async *tracesInRange(since, until, opts) {
      for await (const v of store.tracesInRange(since, until, opts)) {
        denials++;
        yield v;
      }
      marks.verdicts = process.hrtime.bigint();
    },
    async listDeploys(f) {
      marks.indexed = process.hrtime.bigint();
      const d = await store.listDeploys(f);
      marks.ticksStart = process.hrtime.bigint();
      return d;
    },
  };
  let ticks = 0;
  let slowest = 0;
  let last = 0n;
  const spikes = await replaySpikes(source, {
    onTick: (_t, done) => {
      const now = process.hrtime.bigint();
      const since = last === 0n ? marks.ticksStart! : last;
      slowest = Math.max(slowest, Number(now - since) / 1e6);
      last = now;
      ticks = done;
    },
  });
  const end = process.hrtime.bigint();
  const cpu = cpuSeconds(cpu0);
  await store.close();
  const s = (a: bigint, b: bigint) => Number(b - a) / 1e9;
  return {
    phase: 'detect', seconds: s(t0, end), cpuSeconds: cpu, peakRssMb: peakRssMb(), counterRows, denials,
    countersSeconds: s(t0, marks.counters!), verdictsSeconds: s(marks.counters!, marks.verdicts!), indexSeconds: s(marks.verdicts!, marks.indexed!),
    ticks, tickSeconds: s(marks.ticksStart!, end), slowestTickMs: slowest, spikes,
  };
}

function inChild<T>(args: string[], heapMb: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--phase', ...args], { execArgv: [`--max-old-space-size=${heapMb}`, ...process.execArgv] });
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`phase ${args[0]} exited ${code}`)));
  });
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const program = new Command('bench:detect')
    .option('--requests <n>', 'client requests over the run', '10000000')
    .option('--hours <h>', 'hours of data', '24')
    .option('--dir <dir>', 'work folder (default: a new temporary folder, removed at the end)')
    .option('--heap-mb <mb>', 'heap cap of each phase, MB', '6144')
    .option('--phase <name>', 'internal: run one phase in this process')
    .allowExcessArguments(true)
    .parse(process.argv);
  const o = program.opts<{ requests: string; hours: string; dir?: string; heapMb: string; phase?: string }>();
  const requests = Number(o.requests);
  const hours = Number(o.hours);
  if (o.phase) {
    const [dataDir] = program.args as [string];
    const r = o.phase === 'write' ? await phaseWrite(dataDir, requests, hours) : await phaseDetect(dataDir);
    process.send!(r);
    return;
  }
  const work = o.dir ?? mkdtempSync(join(tmpdir(), 'denytrace-detectbench-'));
  const heapMb = Number(o.heapMb);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const w = await inChild<WriteResult>(['write', work, '--requests', String(requests), '--hours', String(hours)], heapMb);
    const ws = w.summary;
    out(`workload: ${fmt(ws.requests)} requests over ${hours} h from ${iso(START)} UTC (seed ${SEED}): ${fmt(ws.denied)} 403 verdicts (${((100 * ws.denied) / ws.requests).toFixed(1)} %), ${fmt(ws.counterRows)} dimension counter rows (30 s buckets; 30 countries, 3000 /24s, 209 routes, 8 services, 10 roles, 50 tenants, read/write), ${ws.deploys} deploys`);
    out(`write (not detection): ${w.seconds.toFixed(1)} s (${w.cpuSeconds.toFixed(1)} s CPU), store ${w.dbMb} MB, peak RSS ${w.peakRssMb} MB`);
    const d = await inChild<DetectResult>(['detect', work], heapMb);
    const load = d.countersSeconds + d.verdictsSeconds + d.indexSeconds;
    out(`detect (replaySpikes, one child process, heap cap ${heapMb} MB):`);
    out(`  load ${load.toFixed(1)} s = counter rows ${d.countersSeconds.toFixed(1)} s (${fmt(d.counterRows)} rows) + verdicts ${d.verdictsSeconds.toFixed(1)} s (${fmt(d.denials)} 403s) + index ${d.indexSeconds.toFixed(1)} s`);
    out(`  ticks ${fmt(d.ticks)} in ${d.tickSeconds.toFixed(1)} s = ${fmt(d.ticks / d.tickSeconds)} ticks/s (${((1000 * d.tickSeconds) / d.ticks).toFixed(2)} ms mean, slowest ${d.slowestTickMs.toFixed(0)} ms)`);
    out(`  total ${d.seconds.toFixed(1)} s wall, ${d.cpuSeconds.toFixed(1)} s CPU (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores), peak RSS ${d.peakRssMb} MB, ${d.spikes.length} spikes`);
    const matched = new Set<Spike>();
    out('incidents:');
    for (const inc of ws.incidents) {
      const s = d.spikes.find((x) => !matched.has(x) && x.kind === inc.kind && (x.value === inc.value || x.service === inc.value) && Date.parse(x.start) < inc.endMs && Date.parse(x.detected_at) >= inc.startMs);
      if (s) matched.add(s);
      out(`  ${s ? 'found' : 'MISSED'}  ${inc.name} (from ${iso(inc.startMs)})${s ? `: ${s.kind} ${s.value}, detected ${((Date.parse(s.detected_at) - inc.startMs) / 1000).toFixed(0)} s of log time after it began, ${s.denied} 403s, ${s.end ? `ended ${iso(Date.parse(s.end))}` : 'still firing'}` : ''}`);
    }
    const others = d.spikes.filter((s) => !matched.has(s));
    out(`other spikes: ${others.length}${others.length ? '' : ' (none: precision 100 % on this load)'}`);
    for (const s of others) out(`  ${s.kind} ${s.value} ${iso(Date.parse(s.start))}–${s.end ? iso(Date.parse(s.end)) : 'firing'}, ${s.denied} 403s, top ${s.top_emitter.component} ${s.top_emitter.rule_id ?? ''}: ${s.summary}`);
  } finally {
    if (!o.dir) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:detect: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
