import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestPaths } from '@denytrace/ingest';
import { ingestAndDecide, S1, S1_LOGS, s1Truth, score } from './s1-helpers';

/**
 * Scenario s1 end to end: ingest the five layers' logs exactly as a user would (format detected,
 * no nginx log_format given), decide, and compare every labelled 403 in truth/requests.jsonl with
 * the verdict of the trace holding that request's CloudFront request id.
 */
describe('scenario s1: emitting layer and decisive rule of every 403', () => {
  const files = S1_LOGS.map((f) => join(S1, f));
  let run: Awaited<ReturnType<typeof ingestAndDecide>>;
  const truth = s1Truth();

  beforeAll(async () => {
    run = await ingestAndDecide(files);
  });
  afterAll(async () => run?.close());

  it('reads every file whole: formats detected, every line a record, none rejected', () => {
    // Line counts from truth/summary.json.
    const summary = JSON.parse(readFileSync(join(S1, 'truth', 'summary.json'), 'utf8')) as { log_lines: Record<string, number> };
    for (const r of run.results) {
      expect(r).toHaveProperty('summary');
      if (!('summary' in r)) continue;
      expect(r.summary.rejected).toBe(0);
      expect(r.summary.records).toBe(summary.log_lines[r.file.split('/').pop()!]);
    }
  });

  it('names the emitting layer, component and decisive rule of ≥ 99% of the labelled 403s', () => {
    expect(truth.length).toBe(2125);
    const s = score(truth, run.byCfId, 's1');
    expect(s.layer).toBeGreaterThanOrEqual(0.99);
    expect(s.layerRule).toBeGreaterThanOrEqual(0.99);
    expect(s.component).toBeGreaterThanOrEqual(0.99);
  });

  it('gives one verdict per refused request: as many 403 verdicts as labelled 403s', () => {
    expect(run.verdicts.filter((v) => v.status === 403)).toHaveLength(truth.length);
  });

  it('ingesting the same files again adds nothing and changes no count', async () => {
    const before = await run.store.counterTotals('2024-03-12T00:00:00Z', '2024-03-13T00:00:00Z', ['dataset']);
    const again = await ingestPaths(files, { store: run.store });
    for (const r of again) {
      expect(r).toHaveProperty('summary');
      if ('summary' in r) expect(r.summary.stored).toBe(0);
    }
    expect(await run.store.counterTotals('2024-03-12T00:00:00Z', '2024-03-13T00:00:00Z', ['dataset'])).toEqual(before);
  });
});
