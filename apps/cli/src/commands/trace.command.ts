import type { Command } from 'commander';
import { idCandidates } from '@denytrace/schema';
import { openContext, UsageError } from '../context';
import { renderVerdict } from '../render/verdict-text';
import { terminalSafe } from '../render/terminal-safe';

/** `denytrace trace ID`: one request across layers, with the verdict. */
export function registerTrace(program: Command): void {
  program
    .command('trace')
    .argument('<id>', 'any id the request carries: X-Request-ID, CloudFront request id (X-Amz-Cf-Id), X-Amzn-Trace-Id Root, W3C trace id, Cloudflare Ray ID … with or without its kind prefix (amzcf:, xray:, xrid:, trace:, cfray:, apigw:)')
    .summary('show one request across layers and who refused it')
    .description('Finds the trace holding ID and prints its events in hop order (client first), what each layer did, the emitting layer, the decisive rule, the confidence and the layers that are missing.')
    .option('--json', 'print the verdict as JSON')
    .option('--raw', 'also print the raw log lines (control characters escaped)')
    .addHelpText('after', '\nExamples:\n  denytrace trace 9Zh89bGz9ZzHCRE-TgX8HuNF3ywfB2zthWgHuchNSylQFEttHu4l-Q==\n  denytrace trace xray:1-65f043c0-5ea0e2470e8f99a64adf820d --json\n  denytrace trace 02e7c72978141f388c39605c341bdc6d --raw')
    .action(async (id: string, opts: { json?: boolean; raw?: boolean }) => {
      const ctx = await openContext({ ...program.opts(), create: false });
      try {
        for (const candidate of [id, ...idCandidates(id)]) {
          const v = await ctx.store.getTrace(candidate);
          if (v) {
            process.stdout.write(opts.json ? `${JSON.stringify(v, null, 2)}\n` : `${renderVerdict(v, { raw: opts.raw })}\n`);
            return;
          }
        }
        const events = await ctx.store.eventsByCorrelationIds(idCandidates(id));
        if (events.length > 0) {
          const msg = `${events.length} stored event(s) carry ${terminalSafe(id)}, but no layer refused that request.`;
          process.stdout.write(opts.json ? `${JSON.stringify({ id, refused: false, events: events.length })}\n` : `${msg}\n`);
          return;
        }
        if (/^TID_/i.test(id.trim())) {
          process.stderr.write(`denytrace: ${terminalSafe(id)} is an ALB connection id (conn_trace_id): one connection carries many requests (CloudFront reuses origin connections), so it never identifies a request and is not indexed. Use the trace_id Root, the CloudFront request id or the X-Request-ID.\n`);
          process.exitCode = 1;
          return;
        }
        if (id.trim() === '') throw new UsageError('trace: the id is empty');
        process.stderr.write(`denytrace: no stored event carries the id ${terminalSafe(id)}. (By default only requests with a refusal mark are kept in full; see --retention in \`denytrace ingest --help\`.)\n`);
        process.exitCode = 1;
      } finally {
        await ctx.store.close();
      }
    });
}
