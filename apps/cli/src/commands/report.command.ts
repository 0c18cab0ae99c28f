import type { Command } from 'commander';
import { summarizeAsync } from '@denytrace/traces';
import { openContext, UsageError } from '../context';
import { parseRange } from '../time-arg';
import { renderReport } from '../render/report-text';
import { allTraces } from './traces.command';

/** `denytrace report`: where the 403s come from. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .summary('403s by emitting layer × decisive rule, top countries, networks and routes')
    .description('Counts the verdicts of one status (403 unless --status) by emitting layer and decisive rule, and lists the top client countries, networks (from the network table given with --geoip, else /24 and /48 prefixes) and routes (paths with ids folded).')
    .option('--since <time>', 'ISO-8601 UTC or a duration before now (30m, 2h, 7d)')
    .option('--until <time>', 'ISO-8601 UTC or a duration before now')
    .option('--status <code>', 'status to report on', '403')
    .option('--top <n>', 'rows in each top list', '10')
    .option('--json', 'print the report as JSON')
    .action(async (o: { since?: string; until?: string; status: string; top: string; json?: boolean }) => {
      const status = Number(o.status);
      const top = Number(o.top);
      if (!Number.isInteger(status)) throw new UsageError(`--status: "${o.status}" is not an HTTP status code`);
      if (!(Number.isInteger(top) && top > 0)) throw new UsageError(`--top: "${o.top}" is not a positive whole number`);
      const ctx = await openContext({ ...program.opts(), create: false });
      try {
        const filter = { status, ...parseRange(o.since, o.until) };
        const report = await summarizeAsync(allTraces(ctx.store, filter), { status, top });
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
      } finally {
        await ctx.store.close();
      }
    });
}
