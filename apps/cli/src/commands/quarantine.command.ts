import type { Command } from 'commander';
import Table from 'cli-table3';
import type { QuarantineFilter } from '@denytrace/store';
import { openContext, UsageError } from '../context';
import { clip, terminalSafe } from '../render/terminal-safe';

/** `denytrace quarantine`: the records ingest rejected, with file, line and reason. */
export function registerQuarantine(program: Command): void {
  program
    .command('quarantine')
    .summary('show the lines ingest rejected: file, line, reason and the raw text')
    .description('Every line ingest could not read (malformed, over the length limit, invalid UTF-8, unknown format, a truncated gzip …) is kept with its file, line and reason. Without options, prints counts by file and reason; with --file or --reason (or --list), prints the lines, oldest first.')
    .option('--file <path>', 'only this file (as ingest reported it)')
    .option('--reason <reason>', 'only this reason, e.g. invalid_json, line_too_long, unknown_format, truncated_gzip')
    .option('--list', 'list lines rather than counts')
    .option('--limit <n>', 'at most n lines', '50')
    .option('--json', 'NDJSON, one record per line (raw text as stored; escape it yourself before printing)')
    .addHelpText('after', '\nExamples:\n  denytrace quarantine\n  denytrace quarantine --reason invalid_json --limit 5\n  denytrace quarantine --file logs/waf.log.gz --json')
    .action(async (o: { file?: string; reason?: string; list?: boolean; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit: "${o.limit}" is not a positive whole number`);
      const ctx = await openContext({ ...program.opts(), create: false });
      try {
        if (!o.file && !o.reason && !o.list) {
          const counts = await ctx.store.quarantineCounts();
          if (o.json) {
            for (const c of counts) process.stdout.write(`${JSON.stringify(c)}\n`);
            return;
          }
          if (counts.length === 0) {
            process.stdout.write('Nothing quarantined: every line ingested so far was read.\n');
            return;
          }
          const t = new Table({ head: ['file', 'reason', 'lines'], style: { head: [], border: [], compact: true } });
          for (const c of counts) t.push([terminalSafe(c.source_file), c.reason, String(c.count)]);
          process.stdout.write(`${t.toString()}\nSee the lines: denytrace quarantine --reason <reason> (or --file <file>).\n`);
          return;
        }
        let shown = 0;
        let cursor: string | undefined;
        const filter: QuarantineFilter = { source_file: o.file, reason: o.reason };
        do {
          const page = await ctx.store.listQuarantine({ ...filter, limit: Math.min(1000, limit - shown), cursor });
          for (const r of page.items) {
            shown++;
            process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `${terminalSafe(r.source_file)}:${r.line}  ${r.reason}  ${terminalSafe(r.detail)}\n    ${terminalSafe(clip(r.raw, 300))}\n`);
          }
          cursor = page.next_cursor ?? undefined;
        } while (cursor && shown < limit);
        if (shown === 0 && !o.json) process.stdout.write('No quarantined line matches.\n');
      } finally {
        await ctx.store.close();
      }
    });
}
