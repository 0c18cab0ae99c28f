import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import type { Layer, Verdict } from '@denytrace/schema';
import type { EventStore, TraceFilter } from '@denytrace/store';
import { openContext, UsageError } from '../context';
import { parseRange } from '../time-arg';
import { clip, terminalSafe } from '../render/terminal-safe';

/** Every verdict matching the filter, page by page (newest first). */
export async function* allTraces(store: EventStore, filter: TraceFilter, max = Infinity): AsyncGenerator<Verdict> {
  let cursor: string | undefined;
  let n = 0;
  for (;;) {
    const page = await store.listTraces({ ...filter, limit: 1000, cursor });
    for (const v of page.items) {
      if (n++ >= max) return;
      yield v;
    }
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** `denytrace traces`: list verdicts. */
export function registerTraces(program: Command): void {
  program
    .command('traces')
    .summary('list verdicts: who refused each request')
    .description('Lists the verdicts of ingested requests that some layer refused, newest first. With --json, one verdict per line (NDJSON) with correlation_ids, status, emitting_layer, emitter, decisive_rule, confidence, missing_layers, explanation, first_seen and last_seen.')
    .option('--status <code>', 'only this HTTP status as the client received it, e.g. 403')
    .addOption(new Option('--layer <layer>', 'only this emitting layer').choices(['waf', 'cdn', 'gateway', 'app']))
    .option('--rule <id>', 'only this decisive rule id')
    .option('--since <time>', 'first_seen at or after: ISO-8601 UTC or a duration before now (30m, 2h, 7d)')
    .option('--until <time>', 'first_seen before: ISO-8601 UTC or a duration before now')
    .option('--limit <n>', 'at most n verdicts (default: all)')
    .option('--json', 'NDJSON, one verdict per line')
    .addHelpText('after', '\nExamples:\n  denytrace traces --status 403 --json > verdicts.ndjson\n  denytrace traces --layer waf --since 2h\n  denytrace traces --rule geo-blocklist --limit 20')
    .action(async (o: { status?: string; layer?: Layer; rule?: string; since?: string; until?: string; limit?: string; json?: boolean }) => {
      const status = o.status === undefined ? undefined : Number(o.status);
      if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) throw new UsageError(`--status: "${o.status}" is not an HTTP status code`);
      const limit = o.limit === undefined ? Infinity : Number(o.limit);
      if (!(limit > 0)) throw new UsageError(`--limit: "${o.limit}" is not a positive number`);
      const filter: TraceFilter = {
        status,
        layer: o.layer,
        rule: o.rule,
        ...parseRange(o.since, o.until),
      };
      const ctx = await openContext({ ...program.opts(), create: false });
      try {
        if (o.json) {
          for await (const v of allTraces(ctx.store, filter, limit)) process.stdout.write(`${JSON.stringify(v)}\n`);
          return;
        }
        const table = new Table({ head: ['first seen (UTC)', 'status', 'emitting layer', 'decisive rule', 'conf.', 'request'], style: { head: [], border: [], compact: true } });
        let n = 0;
        for await (const v of allTraces(ctx.store, filter, Math.min(limit, 200))) {
          n++;
          table.push([
            v.first_seen,
            String(v.status ?? '-'),
            `${v.emitting_layer ?? '-'}${v.emitter ? ` (${v.emitter.component})` : ''}`,
            terminalSafe(clip(v.decisive_rule?.id ?? '-', 48)),
            v.confidence_label,
            terminalSafe(clip(`${v.request.method ?? ''} ${v.request.path ?? ''}`, 50)),
          ]);
        }
        process.stdout.write(n === 0 ? 'No verdicts match.\n' : `${table.toString()}\n${n >= 200 && limit > 200 ? 'Showing the newest 200; use --limit or --json for more.\n' : ''}`);
      } finally {
        await ctx.store.close();
      }
    });
}
