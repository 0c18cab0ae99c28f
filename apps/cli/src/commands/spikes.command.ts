import type { Command } from 'commander';
import { replaySpikes } from '@denytrace/detection';
import { openContext } from '../context';
import { parseRange } from '../time-arg';
import { renderSpikes } from '../render/spikes-text';

/** `denytrace spikes`: replays spike detection offline over everything ingested. */
export function registerSpikes(program: Command): void {
  program
    .command('spikes')
    .summary('find 403 spikes: region-wide blocks, post-rollout write denials, source-network blocks, new rules')
    .description(
      [
        'Replays spike detection over everything ingested, as the service would have run it live: every 30 s of log time,',
        'the deny ratio of each country, client network, route, service (writes), role and tenant over the last 1-5 minutes',
        'is tested against its baseline of up to 6 hours before (binomial test, p < 1e-7, at least 5 403s), and each rule',
        'quiet in its baseline against its rate (Poisson). Series that share their 403s are one spike, named by the',
        'dimension that explains it best. Deploys (POST /v1/deploys, or a deploy-events JSON-lines file given to',
        '`denytrace ingest`) turn a service\'s write denials into post_rollout_write_denial. Nothing fires in the first',
        '15 minutes of data (no baseline yet). Needs verdicts: run `denytrace ingest` first.',
        '',
        'Examples:',
        '  denytrace ingest logs/ deploys.jsonl && denytrace spikes',
        '  denytrace spikes --since 2024-03-12T12:00:00Z --until 2024-03-12T15:00:00Z --json',
      ].join('\n'),
    )
    .option('--since <time>', 'first tick: ISO-8601 UTC or a duration before now (30m, 2h, 7d)')
    .option('--until <time>', 'last tick: ISO-8601 UTC or a duration before now')
    .option('--json', 'print a JSON array of spikes')
    .action(async (o: { since?: string; until?: string; json?: boolean }) => {
      const ctx = await openContext({ ...program.opts(), create: false });
      try {
        const spikes = await replaySpikes(ctx.store, parseRange(o.since, o.until));
        process.stdout.write(o.json ? `${JSON.stringify(spikes, null, 2)}\n` : `${renderSpikes(spikes)}\n`);
      } finally {
        await ctx.store.close();
      }
    });
}
