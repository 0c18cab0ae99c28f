import { existsSync, readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { DEPLOYS_FORMAT, ingestPathsParallel, type PathResult } from '@denytrace/ingest';
import { FORMATS, compileLogFormat, type ParserOptions } from '@denytrace/parsers';
import { redecide } from '@denytrace/traces';
import { openContext, UsageError } from '../context';
import { terminalSafe } from '../render/terminal-safe';

interface IngestCliOptions {
  format?: string;
  nginxLogFormat?: string;
  appFieldMap?: string;
  maxLineBytes?: string;
  retention?: string;
  json?: boolean;
  progress: boolean;
}

/** `denytrace ingest PATH...`: read log files into the store and decide the verdicts. */
export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .argument('<paths...>', 'log files, folders (read recursively) and .gz files')
    .summary('read log files, join requests across layers, decide who refused each')
    .description(
      'Reads WAF, CDN, gateway and application logs (format detected per file from its content), keeps every event that carries a refusal mark and per-minute counts of the rest, then joins each request across layers and decides the emitting layer and decisive rule of every refusal. Bad lines are counted by reason, quarantined with file:line, and never stop the read. Re-ingesting a file adds nothing.',
    )
    .addOption(new Option('--format <name>', 'force one format for every file instead of detecting it (`deploys`: deploy-events JSON lines)').choices([...FORMATS.map((f) => f.name), DEPLOYS_FORMAT]))
    .option('--nginx-log-format <directive|file>', "your nginx log_format, as the directive (\"log_format main '$remote_addr …';\") or a file holding it (env DENYTRACE_NGINX_LOG_FORMAT)")
    .option('--app-field-map <file>', 'JSON mapping ECS field → dotted path in your app log records, for shapes the defaults do not know')
    .option('--max-line-bytes <n>', 'reject longer lines as line_too_long (env DENYTRACE_MAX_LINE_BYTES, default 65536)')
    .addOption(new Option('--retention <what>', 'refusals: keep events with a refusal mark in full and count the rest; all: keep every event (env DENYTRACE_RETENTION)').choices(['refusals', 'all']))
    .option('--json', 'print {"files":[…],"verdicts":n} instead of tables')
    .option('--no-progress', 'no progress bar and no per-file lines on stderr (the bar is shown only on a terminal anyway)')
    .addHelpText(
      'after',
      `
Formats: ${FORMATS.map((f) => f.name).join(', ')}

Examples:
  denytrace ingest /var/log/cloudfront/ /var/log/waf/*.gz alb.log nginx/access.log app.log
  denytrace ingest --nginx-log-format /etc/nginx/nginx.conf /var/log/nginx/access.log
  denytrace ingest --geoip networks.csv logs/ --json`,
    )
    .action(async (paths: string[], o: IngestCliOptions) => {
      const ctx = await openContext({ ...program.opts<{ dataDir?: string; geoip?: string }>(), retention: o.retention });
      try {
        const parserOptions: ParserOptions = {};
        const nginx = o.nginxLogFormat ?? ctx.config.nginxLogFormat;
        if (nginx) {
          parserOptions.nginxLogFormat = existsSync(nginx) ? readFileSync(nginx, 'utf8') : nginx;
          try {
            compileLogFormat(parserOptions.nginxLogFormat);
          } catch (e) {
            throw new UsageError(`--nginx-log-format: ${(e as Error).message}`);
          }
        }
        if (o.appFieldMap) {
          try {
            parserOptions.appFieldMap = JSON.parse(readFileSync(o.appFieldMap, 'utf8')) as Record<string, string>;
          } catch (e) {
            throw new UsageError(`--app-field-map: cannot read ${o.appFieldMap} as JSON: ${(e as Error).message}`);
          }
        }
        const maxLineBytes = o.maxLineBytes ? Number(o.maxLineBytes) : ctx.config.maxLineBytes;
        if (!(Number.isInteger(maxLineBytes) && maxLineBytes >= 256)) throw new UsageError(`--max-line-bytes: "${o.maxLineBytes}" must be a whole number ≥ 256`);

        const showBar = o.progress && !o.json && process.stderr.isTTY;
        const bar = showBar ? new SingleBar({ format: ' reading |{bar}| {percentage}% {lines} lines', hideCursor: true, clearOnComplete: true, stream: process.stderr }, Presets.shades_classic) : undefined;
        // Files are read in parallel threads: the bar adds up every file's progress.
        const progress = new Map<string, { bytes: number; total: number; lines: number }>();
        const results: PathResult[] = await ingestPathsParallel(
          paths,
          { dataDir: ctx.config.dataDir, retention: ctx.config.retention, networkCsv: ctx.tablePath, deps: { store: ctx.store, network: ctx.table } },
          {
            format: o.format,
            maxLineBytes,
            parserOptions,
            retention: ctx.config.retention,
            onProgress: (file, p) => {
              if (!bar) return;
              progress.set(file, { bytes: p.bytes, total: p.totalBytes, lines: p.lines });
              let bytes = 0;
              let total = 0;
              let lines = 0;
              for (const v of progress.values()) {
                bytes += v.bytes;
                total += v.total;
                lines += v.lines;
              }
              if (!bar.isActive) bar.start(Math.max(1, total), 0, { lines: 0 });
              bar.setTotal(Math.max(1, total));
              bar.update(bytes, { lines });
            },
            onFile: (r) => {
              if (!o.json && o.progress) {
                bar?.stop();
                process.stderr.write(`${fileLine(r)}\n`);
              }
            },
          },
        );
        bar?.stop();

        const times = results.flatMap((r) => ('summary' in r ? [r.summary.first_event, r.summary.last_event] : [])).filter((t): t is string => !!t);
        let verdicts = 0;
        if (times.length > 0) {
          if (!o.json && process.stderr.isTTY) process.stderr.write('deciding verdicts…\n');
          const since = new Date(Date.parse(times.reduce((a, b) => (a < b ? a : b))) - 15 * 60_000).toISOString();
          const until = new Date(Date.parse(times.reduce((a, b) => (a > b ? a : b))) + 15 * 60_000).toISOString();
          verdicts = (await redecide(ctx.store, since, until, { network: ctx.network })).verdicts;
        }
        if (o.json) {
          const files = results.map((r) => ('summary' in r ? { ...r.summary } : { file: r.file, error: r.error }));
          process.stdout.write(`${JSON.stringify({ files, verdicts })}\n`);
        } else {
          process.stdout.write(`${renderSummary(results)}\n${verdicts} verdicts decided. Next: denytrace report, denytrace traces --status 403, denytrace trace <id>\n`);
        }
        if (results.some((r) => 'error' in r)) process.exitCode = 1;
      } finally {
        await ctx.store.close();
      }
    });
}

/** One line per file as it finishes: ✓ read, ⚠ read with rejected lines or no known format, ✗ not read. */
function fileLine(r: PathResult): string {
  if ('error' in r) return `✗ ${terminalSafe(r.file)}: ${terminalSafe(r.error)}`;
  const s = r.summary;
  if (s.format === null) return `⚠ ${terminalSafe(r.file)}: no known log format${s.rejected ? ` (${s.rejected} lines quarantined)` : ', skipped'}`;
  if (s.rejected > 0) return `⚠ ${terminalSafe(r.file)}: ${s.format}, ${s.records} records, ${s.rejected} lines rejected (denytrace quarantine --file ${terminalSafe(r.file)})`;
  return `✓ ${terminalSafe(r.file)}: ${s.format}, ${s.records} records${s.already_ingested ? ' (already ingested)' : ''}`;
}

function renderSummary(results: PathResult[]): string {
  const t = new Table({ head: ['file', 'format', 'records', '403s', 'stored', 'rejected', 'by reason'], style: { head: [], border: [], compact: true } });
  for (const r of results) {
    if ('error' in r) {
      t.push([terminalSafe(r.file), 'error', '-', '-', '-', '-', terminalSafe(r.error)]);
      continue;
    }
    const s = r.summary;
    const reasons = Object.entries(s.rejected_by_reason).map(([k, v]) => `${k} ${v}`).join(', ');
    t.push([terminalSafe(s.file), s.format ?? (s.skipped ? 'skipped: no known format' : 'unknown'), String(s.records), String(s.refusals), String(s.stored) + (s.already_ingested ? ' (already ingested)' : ''), String(s.rejected), reasons || '-']);
  }
  const drift = results.flatMap((r) => ('summary' in r ? Object.entries(r.summary.unknown_fields ?? {}).map(([k, n]) => `${k} ${n}`) : []));
  return drift.length ? `${t.toString()}\nfields the parsers did not know (kept in denytrace.extra_fields): ${terminalSafe(drift.slice(0, 20).join(', '))}${drift.length > 20 ? ' …' : ''}` : t.toString();
}
