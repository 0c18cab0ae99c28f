import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ingestPaths } from '@denytrace/ingest';
import { writeStack } from '@denytrace/samples';
import { summarize, redecideAll } from '@denytrace/traces';
import type { Verdict } from '@denytrace/schema';
import { openContext } from '../context';
import { renderReport } from '../render/report-text';
import { renderVerdict } from '../render/verdict-text';
import { allTraces } from './traces.command';

/** `denytrace demo`: the whole path on generated sample logs, in a temporary data dir. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .summary('generate multi-layer sample logs, ingest them, and show the report and two traced requests')
    .description(
      "Writes sample logs of a CloudFront + AWS WAF + ALB + nginx + app stack in the vendors' real formats (made by denytrace's own deterministic generator), ingests them into a temporary data dir, and prints the report and two traced examples. Nothing outside the temporary folder is touched.",
    )
    .option('--requests <n>', 'client requests to generate', '8000')
    .option('--seed <n>', 'generator seed (same seed, same logs)', '7')
    .option('--keep', 'keep the temporary folder (logs and store) and print how to explore it')
    .action(async (o: { requests: string; seed: string; keep?: boolean }) => {
      const dir = mkdtempSync(join(tmpdir(), 'denytrace-demo-'));
      const logs = join(dir, 'logs');
      const dataDir = join(dir, 'data');
      try {
        const counts = await writeStack(logs, { seed: Number(o.seed), start: new Date('2024-06-04T09:00:00Z'), requests: Number(o.requests), incidents: true });
        // The generator also writes its network table and its own truth; only the logs are ingested.
        const ctx = await openContext({ dataDir, geoip: join(logs, 'geoip.csv') });
        try {
          const files = ['waf.log', 'cloudfront.log', 'alb.log', 'nginx.log', 'nginx-error.log', 'app.log'].map((f) => join(logs, f));
          const results = await ingestPaths(files, { store: ctx.store, network: ctx.table }, { parserOptions: {} });
          const lines = Object.entries(counts).map(([f, n]) => `${f} ${n}`).join(', ');
          process.stdout.write(`Generated sample logs (${lines}) and ingested ${results.length} files.\n`);
          const bad = results.filter((r) => 'error' in r || r.summary.rejected > 0);
          if (bad.length) process.stdout.write(`Warning: ${bad.length} file(s) had errors or rejected lines.\n`);
          const { verdicts } = await redecideAll(ctx.store, { network: ctx.network });
          const all: Verdict[] = [];
          for await (const v of allTraces(ctx.store, {})) all.push(v);
          process.stdout.write(`${verdicts} verdicts decided. ${agreement(all, join(logs, 'truth.jsonl'))}\n\n`);
          process.stdout.write(`${renderReport(summarize(all, { top: 5 }))}\n`);
          const examples = pickExamples(all);
          for (const v of examples) {
            process.stdout.write(`\n── denytrace trace ${v.correlation_ids[0] ?? v.trace_id} ──\n${renderVerdict(v)}\n`);
          }
        } finally {
          await ctx.store.close();
        }
        if (o.keep) process.stdout.write(`\nKept ${dir}. Explore it with:\n  denytrace --data-dir ${dataDir} report\n  denytrace --data-dir ${dataDir} traces --status 403\n  denytrace ingest ${logs}   (into your own data dir)\n`);
      } finally {
        if (!o.keep) rmSync(dir, { recursive: true, force: true });
      }
    });
}

/** How many of the generator's refused requests got the generator's emitting layer and rule. */
function agreement(all: Verdict[], truthFile: string): string {
  const byId = new Map<string, Verdict>();
  for (const v of all) for (const id of v.correlation_ids) byId.set(id, v);
  const rows = readFileSync(truthFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { correlation_ids: string[]; emitting_layer: string; rule_id: string });
  const ok = rows.filter((t) => {
    const v = t.correlation_ids.map((id) => byId.get(id)).find(Boolean);
    return v?.emitting_layer === t.emitting_layer && v.decisive_rule?.id === t.rule_id;
  }).length;
  return `The generator knows who refused each request: ${ok} of ${rows.length} verdicts agree on emitting layer and decisive rule.`;
}

/** Two instructive verdicts: a refusal at the edge and one deep inside, joined across layers. */
function pickExamples(all: Verdict[]): Verdict[] {
  const byDepth = (layer: string) => all.filter((v) => v.status === 403 && v.emitting_layer === layer && v.events.length > 1 && v.decisive_rule);
  const picks = [byDepth('waf')[0], byDepth('app')[0] ?? byDepth('gateway')[0]].filter((v): v is Verdict => !!v);
  return picks.length ? picks : all.slice(0, 2);
}
