import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestPaths, type PathResult } from '@denytrace/ingest';
import { NetworkTable, defaultNetworkOf } from '@denytrace/network';
import type { Verdict } from '@denytrace/schema';
import { openStore, type EventStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { sharedPath } from './shared-paths';

/** One labelled 403 of scenario s1 (truth/requests.jsonl). */
export interface TruthRow {
  request_key: string;
  emitting_layer: string;
  emitter_component: string;
  rule_id: string;
  ids: Record<string, string>;
  incident_id: string | null;
}

export const S1 = sharedPath('scenarios', 's1');
export const S1_LOGS = ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'];

export function s1Truth(): TruthRow[] {
  return readFileSync(join(S1, 'truth', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRow);
}

function fallbackNetwork(ip: string): { network: string } | undefined {
  const net = defaultNetworkOf(ip);
  return net ? { network: net } : undefined;
}

/** Every verdict in a store, page by page. */
export async function allStoredVerdicts(store: EventStore): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTraces({ limit: 1000, cursor });
    verdicts.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return verdicts;
}

/** A temporary store with the given files ingested (with s1's geoip.csv as network table unless `geoip: false`) and decided, and its verdicts by CloudFront request id. */
export async function ingestAndDecide(files: string[], o: { geoip?: boolean } = {}): Promise<{ dir: string; store: EventStore; results: PathResult[]; byCfId: Map<string, Verdict>; verdicts: Verdict[]; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-s1-'));
  const store = await openStore({ dataDir: dir, retention: 'refusals' });
  const network = o.geoip === false ? undefined : NetworkTable.fromCsv(readFileSync(join(S1, 'geoip.csv'), 'utf8'));
  const results = await ingestPaths(files, { store, network });
  // As the CLI and the service look addresses up: the table, else the /24 or /48 holding them.
  await redecideAll(store, { network: (ip) => network?.lookup(ip) ?? fallbackNetwork(ip) });
  const byCfId = new Map<string, Verdict>();
  const verdicts = await allStoredVerdicts(store);
  for (const v of verdicts) for (const id of v.correlation_ids) if (id.startsWith('amzcf:')) byCfId.set(id.slice(6), v);
  return { dir, store, results, byCfId, verdicts, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Share of truth rows whose verdict (found by the request's CloudFront id) has the right layer, rule and component; prints the first misses. */
export function score(truth: TruthRow[], byCfId: Map<string, Verdict>, label: string): { layer: number; layerRule: number; component: number } {
  let layer = 0;
  let layerRule = 0;
  let component = 0;
  const misses: string[] = [];
  for (const t of truth) {
    const v = byCfId.get(t.ids.cloudfront_request_id);
    if (v?.emitting_layer === t.emitting_layer) layer++;
    if (v?.emitter?.component === t.emitter_component) component++;
    if (v?.emitting_layer === t.emitting_layer && v.decisive_rule?.id === t.rule_id) layerRule++;
    else if (misses.length < 10) misses.push(`${t.request_key} want ${t.emitting_layer}/${t.emitter_component}/${t.rule_id} got ${v?.emitting_layer}/${v?.emitter?.component}/${v?.decisive_rule?.id}`);
  }
  const n = truth.length;
  if (layerRule < n) console.log(`${label}: layer ${layer}/${n}, layer+rule ${layerRule}/${n}, component ${component}/${n}\n${misses.join('\n')}`);
  return { layer: layer / n, layerRule: layerRule / n, component: component / n };
}
