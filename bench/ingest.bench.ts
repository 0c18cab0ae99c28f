/**
 * `npm run bench`: ingest throughput, memory and lookup latency on a generated multi-layer stack.
 * Prints figures and the workload; asserts nothing. Each measured phase runs in its own child process
 * so that its peak RSS is its own.
 *
 * Usage: npm run bench [-- --requests 270000] [-- --dir /tmp/somewhere]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { detectFormat } from '@denytrace/parsers';
import { ingestPathsParallel, readLineBatches, readLines, type LineItem } from '@denytrace/ingest';
import { openStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { writeStack } from '@denytrace/samples';
import Database from 'better-sqlite3';

const LOGS = ['waf.log', 'cloudfront.log', 'alb.log', 'nginx.log', 'nginx-error.log', 'app.log'];

interface PhaseResult {
  phase: string;
  lines: number;
  seconds: number;
  peakRssMb: number;
  extra?: Record<string, number | string>;
}

/** Heap cap of each measured phase, MB. */
const HEAP_CAP_MB = 160;

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Parse only: read every line and parse it with the detected format; nothing is stored. */
async function phaseParse(logs: string): Promise<PhaseResult> {
  const t0 = process.hrtime.bigint();
  let lines = 0;
  let events = 0;
  for (const f of LOGS) {
    const path = join(logs, f);
    const sample: string[] = [];
    for await (const item of readLines(path)) {
      if (item.kind === 'line') sample.push(item.text);
      if (sample.length >= 20) break;
    }
    const parser = detectFormat(sample)!.format.createParser({ sourceName: path });
    for await (const batch of readLineBatches(path)) {
      if (!Array.isArray(batch)) continue;
      for (const item of batch) {
        if (item.kind !== 'line') continue;
        lines++;
        if (parser.parse(item.text, item.lineNo).kind === 'event') events++;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { phase: 'parse', lines, seconds, peakRssMb: peakRssMb(), extra: { events } };
}

/** End to end, as `denytrace ingest`: files read in worker threads into a fresh SQLite store (parse, counters, store refusal-marked events), then correlate and store verdicts. */
async function phaseIngest(logs: string, dataDir: string): Promise<PhaseResult> {
  const store = await openStore({ dataDir, retention: 'refusals' });
  const t0 = process.hrtime.bigint();
  // As `denytrace ingest` does it: files spread over worker threads, one per core.
  const results = await ingestPathsParallel(LOGS.map((f) => join(logs, f)), { dataDir, retention: 'refusals', deps: { store } });
  const t1 = process.hrtime.bigint();
  const { verdicts } = await redecideAll(store);
  const t2 = process.hrtime.bigint();
  await store.close();
  let lines = 0;
  let stored = 0;
  for (const r of results) if ('summary' in r) {
    lines += r.summary.records;
    stored += r.summary.stored;
  }
  const dbBytes = readdirSync(dataDir).filter((f) => f.startsWith('events.db')).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
  return {
    phase: 'ingest',
    lines,
    seconds: Number(t2 - t0) / 1e9,
    peakRssMb: peakRssMb(),
    extra: { stored, verdicts, ingestSeconds: Number(t1 - t0) / 1e9, correlateSeconds: Number(t2 - t1) / 1e9, storeMbPerMillion: Math.round((dbBytes / 1048576 / lines) * 1e6) },
  };
}

/** `trace` lookups: every 7th stored verdict's first correlation id, through the store's id index. */
async function phaseLookup(dataDir: string): Promise<PhaseResult> {
  const store = await openStore({ dataDir });
  const ids: string[] = [];
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await store.listTraces({ limit: 1000, cursor });
    for (const v of page.items) if (n++ % 7 === 0 && v.correlation_ids[0]) ids.push(v.correlation_ids[0]);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && ids.length < 5000);
  const ms: number[] = [];
  for (const id of ids) {
    const t = process.hrtime.bigint();
    const v = await store.getTrace(id);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (!v) throw new Error(`lookup of ${id} found nothing`);
  }
  await store.close();
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  return { phase: 'lookup', lines: ms.length, seconds: ms.reduce((a, b) => a + b, 0) / 1000, peakRssMb: peakRssMb(), extra: { p50ms: q(0.5).toFixed(3), p99ms: q(0.99).toFixed(3) } };
}

/** The ceiling DESIGN.md measures against: JSON.parse (JSON lines) or a split (text lines), plus a SQLite insert of every line, 10 k rows a transaction, WAL. */
async function phaseCeiling(logs: string, dataDir: string): Promise<PhaseResult> {
  const db = new Database(join(dataDir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE lines (id INTEGER PRIMARY KEY, file TEXT, line INTEGER, raw TEXT, n INTEGER)');
  const insert = db.prepare('INSERT INTO lines (file, line, raw, n) VALUES (?, ?, ?, ?)');
  const t0 = process.hrtime.bigint();
  let lines = 0;
  let batch: Array<[string, number, string, number]> = [];
  const flush = db.transaction((rows: Array<[string, number, string, number]>) => {
    for (const r of rows) insert.run(r);
  });
  for (const f of LOGS) {
    for await (const b of readLineBatches(join(logs, f))) for (const item of Array.isArray(b) ? b : ([] as LineItem[])) {
      if (item.kind !== 'line') continue;
      lines++;
      const text = item.text;
      const n = text.charCodeAt(0) === 123 ? Object.keys(JSON.parse(text) as object).length : text.split(f === 'cloudfront.log' ? '\t' : ' ').length;
      batch.push([f, item.lineNo, text, n]);
      if (batch.length === 10_000) {
        flush(batch);
        batch = [];
      }
    }
  }
  flush(batch);
  db.close();
  return { phase: 'ceiling', lines, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRssMb: peakRssMb() };
}

/** Runs one phase in a child process and returns its result. */
function inChild(args: string[]): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    // A fixed heap cap: a phase whose memory grew with its input would fail here instead of hiding in a large heap.
    const child = fork(__filename, ['--phase', ...args], { execArgv: [`--max-old-space-size=${HEAP_CAP_MB}`] });
    child.once('message', (m) => resolve(m as PhaseResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`phase ${args[0]} exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .option('--requests <n>', 'client requests to generate (≈4 log lines each)', '270000')
    .option('--dir <dir>', 'work folder (default: a new temporary folder, removed at the end)')
    .option('--phase <name>', 'internal: run one phase in this process')
    .allowExcessArguments(true)
    .parse(process.argv);
  const o = program.opts<{ requests: string; dir?: string; phase?: string }>();
  if (o.phase) {
    const [logs, dataDir] = program.args;
    const run = { parse: () => phaseParse(logs), ingest: () => phaseIngest(logs, dataDir), lookup: () => phaseLookup(dataDir), ceiling: () => phaseCeiling(logs, dataDir) }[o.phase];
    if (!run) throw new Error(`unknown phase ${o.phase}`);
    process.send!(await run());
    return;
  }

  const work = o.dir ?? mkdtempSync(join(tmpdir(), 'denytrace-bench-'));
  const requests = Number(o.requests);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const rows: string[] = [];
    const results: Record<string, PhaseResult> = {};
    for (const size of [Math.round(requests / 4), requests]) {
      const logs = join(work, `logs-${size}`);
      const t = Date.now();
      const counts = await writeStack(logs, { seed: 42, start: new Date('2024-06-04T00:00:00Z'), requests: size, ratePerSecond: 40, incidents: true });
      const lines = LOGS.reduce((n, f) => n + (counts[f] ?? 0), 0);
      out(`workload: ${size} client requests through WAF → CloudFront → ALB → nginx → app, ${lines} log lines (${LOGS.map((f) => `${f} ${counts[f]}`).join(', ')}), generated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      const dataDir = join(work, `data-${size}`);
      for (const phase of ['parse', 'ingest', 'lookup', 'ceiling']) {
        const r = await inChild([phase, logs, dataDir]);
        results[`${phase}-${size}`] = r;
        const rate = phase === 'lookup' ? '' : `${Math.round(r.lines / r.seconds).toLocaleString('en-US')} events/s`;
        rows.push(`${String(size).padStart(8)} requests  ${phase.padEnd(8)} ${String(r.lines).padStart(9)} ${phase === 'lookup' ? 'lookups' : 'lines  '} ${r.seconds.toFixed(2).padStart(7)} s  ${rate.padStart(18)}  peak RSS ${String(r.peakRssMb).padStart(5)} MB  ${r.extra ? JSON.stringify(r.extra) : ''}`);
      }
    }
    out('');
    for (const r of rows) out(r);
    const full = requests;
    const ingest = results[`ingest-${full}`];
    const ceiling = results[`ceiling-${full}`];
    const parse = results[`parse-${full}`];
    const lookup = results[`lookup-${full}`];
    out('');
    out(`parse only:        ${Math.round(parse.lines / parse.seconds).toLocaleString('en-US')} events/s`);
    out(`ingest end to end: ${Math.round(ingest.lines / ingest.seconds).toLocaleString('en-US')} events/s (parse + counters + store + correlate), peak RSS ${ingest.peakRssMb} MB, store ${ingest.extra?.storeMbPerMillion} MB per million events`);
    out(`ceiling:           ${Math.round(ceiling.lines / ceiling.seconds).toLocaleString('en-US')} lines/s (JSON.parse or split + SQLite insert of every line)`);
    out(`our share of the ceiling: ${((100 * ceiling.seconds) / ingest.seconds).toFixed(0)}%`);
    out(`trace lookup: p50 ${lookup.extra?.p50ms} ms, p99 ${lookup.extra?.p99ms} ms over ${lookup.lines} lookups`);
    const small = results[`ingest-${Math.round(requests / 4)}`];
    out(`memory as input grows ×4: peak RSS ${small.peakRssMb} MB → ${ingest.peakRssMb} MB, each phase under a ${HEAP_CAP_MB} MB heap cap`);
  } finally {
    if (!o.dir) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
