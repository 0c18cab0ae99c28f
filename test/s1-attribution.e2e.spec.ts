import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestPaths } from '@denytrace/ingest';
import { NetworkTable } from '@denytrace/network';
import type { Verdict } from '@denytrace/schema';
import { openStore, type EventStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { sharedPath } from './shared-paths';

/**
 * Scenario s1 end to end: ingest the five layers' logs exactly as a user would (format detected,
 * no nginx log_format given), decide, and compare every labelled 403 in truth/requests.jsonl with
 * the verdict of the trace holding that request's CloudFront request id.
 */
interface TruthRow {
  request_key: string;
  emitting_layer: string;
  emitter_component: string;
  rule_id: string;
  ids: Record<string, string>;
  incident_id: string | null;
}

const S1 = sharedPath('scenarios', 's1');
const FILES = ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'].map((f) => join(S1, f));

describe('scenario s1: emitting layer and decisive rule of every 403', () => {
  let dir: string;
  let store: EventStore;
  let truth: TruthRow[];
  const byCfId = new Map<string, Verdict>();
  let firstIngest: Awaited<ReturnType<typeof ingestPaths>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-s1-'));
    store = await openStore({ dataDir: dir, retention: 'refusals' });
    const network = NetworkTable.fromCsv(readFileSync(join(S1, 'geoip.csv'), 'utf8'));
    firstIngest = await ingestPaths(FILES, { store, network });
    await redecideAll(store, { network: (ip) => network.lookup(ip) });
    let cursor: string | undefined;
    do {
      const page = await store.listTraces({ limit: 1000, cursor });
      for (const v of page.items) for (const id of v.correlation_ids) if (id.startsWith('amzcf:')) byCfId.set(id.slice(6), v);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    truth = readFileSync(join(S1, 'truth', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRow);
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every file whole: formats detected, no line rejected', () => {
    const summaries = firstIngest.map((r) => ('summary' in r ? r.summary : { file: r.file, error: r.error }));
    for (const s of summaries) {
      expect(s).not.toHaveProperty('error');
      expect(s).toMatchObject({ rejected: 0 });
    }
    // Line counts from truth/summary.json (CloudFront has 2 header lines more).
    const summary = JSON.parse(readFileSync(join(S1, 'truth', 'summary.json'), 'utf8')) as { log_lines: Record<string, number> };
    for (const r of firstIngest) {
      if (!('summary' in r)) continue;
      const name = r.file.split('/').pop()!;
      expect(r.summary.records).toBe(summary.log_lines[name]);
    }
  });

  it('names the emitting layer and decisive rule of ≥ 99% of the labelled 403s', () => {
    let layerOk = 0;
    let bothOk = 0;
    const misses: string[] = [];
    for (const t of truth) {
      const v = byCfId.get(t.ids.cloudfront_request_id);
      const layer = v?.emitting_layer;
      const rule = v?.decisive_rule?.id;
      if (layer === t.emitting_layer) layerOk++;
      if (layer === t.emitting_layer && rule === t.rule_id) bothOk++;
      else if (misses.length < 15) misses.push(`${t.request_key} want ${t.emitting_layer}/${t.emitter_component}/${t.rule_id} got ${layer}/${v?.emitter?.component}/${rule}`);
    }
    const share = bothOk / truth.length;
    if (share < 1) console.log(`s1: layer ${layerOk}/${truth.length}, layer+rule ${bothOk}/${truth.length}\n${misses.join('\n')}`);
    expect(truth.length).toBe(2125);
    expect(layerOk / truth.length).toBeGreaterThanOrEqual(0.99);
    expect(share).toBeGreaterThanOrEqual(0.99);
  });

  it('names the emitter component too (ALB vs nginx inside "gateway")', () => {
    const ok = truth.filter((t) => byCfId.get(t.ids.cloudfront_request_id)?.emitter?.component === t.emitter_component).length;
    expect(ok / truth.length).toBeGreaterThanOrEqual(0.99);
  });

  it('ingesting the same files again adds nothing and changes no count', async () => {
    const before = await store.counterTotals('2024-03-12T00:00:00Z', '2024-03-13T00:00:00Z', ['dataset']);
    const again = await ingestPaths(FILES, { store });
    for (const r of again) {
      expect(r).toHaveProperty('summary');
      if ('summary' in r) expect(r.summary.stored).toBe(0);
    }
    const after = await store.counterTotals('2024-03-12T00:00:00Z', '2024-03-13T00:00:00Z', ['dataset']);
    expect(after).toEqual(before);
  });
});
