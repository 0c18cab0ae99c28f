import type { Layer, Verdict } from '@denytrace/schema';
import { routeTemplate } from './route-template';

/** One row of "403s by emitting layer × decisive rule". */
export interface LayerRuleRow {
  emitting_layer: Layer | null;
  component: string | null;
  rule_id: string | null;
  ruleset: string | null;
  count: number;
}

export interface TopRow {
  value: string;
  count: number;
}

/** What `denytrace report` prints and the summary API serves. */
export interface Report {
  status: number;
  verdicts: number;
  by_layer: Record<string, number>;
  by_layer_rule: LayerRuleRow[];
  top_countries: TopRow[];
  top_networks: TopRow[];
  top_paths: TopRow[];
  low_confidence: number;
  first_seen: string | null;
  last_seen: string | null;
}

/**
 * Counts verdicts of one status (403 by default): by emitting layer and decisive rule, and the top
 * countries, client networks and routes (paths with ids folded, see `routeTemplate`).
 */
export function summarize(verdicts: Iterable<Verdict>, o: { status?: number; top?: number } = {}): Report {
  const status = o.status ?? 403;
  const top = o.top ?? 10;
  const layerRule = new Map<string, LayerRuleRow>();
  const byLayer: Record<string, number> = {};
  const countries = new Map<string, number>();
  const networks = new Map<string, number>();
  const paths = new Map<string, number>();
  let n = 0;
  let low = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const v of verdicts) {
    if (v.status !== status) continue;
    n++;
    if (v.confidence_label === 'low') low++;
    if (first === null || v.first_seen < first) first = v.first_seen;
    if (last === null || v.last_seen > last) last = v.last_seen;
    const layer = v.emitting_layer ?? 'unknown';
    byLayer[layer] = (byLayer[layer] ?? 0) + 1;
    const key = `${layer}\u0000${v.emitter?.component ?? ''}\u0000${v.decisive_rule?.id ?? ''}\u0000${v.decisive_rule?.ruleset ?? ''}`;
    const row = layerRule.get(key);
    if (row) row.count++;
    else layerRule.set(key, { emitting_layer: v.emitting_layer, component: v.emitter?.component ?? null, rule_id: v.decisive_rule?.id ?? null, ruleset: v.decisive_rule?.ruleset ?? null, count: 1 });
    bump(countries, v.client.country ?? 'unknown');
    bump(networks, v.client.network ? `${v.client.network}${v.client.organization ? ` (${v.client.organization})` : ''}` : v.client.ip ?? 'unknown');
    if (v.request.path) bump(paths, `${v.request.method ?? ''} ${routeTemplate(v.request.path)}`.trim());
  }
  return {
    status,
    verdicts: n,
    by_layer: byLayer,
    by_layer_rule: [...layerRule.values()].sort((a, b) => b.count - a.count),
    top_countries: topOf(countries, top),
    top_networks: topOf(networks, top),
    top_paths: topOf(paths, top),
    low_confidence: low,
    first_seen: first,
    last_seen: last,
  };
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function topOf(m: Map<string, number>, n: number): TopRow[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([value, count]) => ({ value, count }));
}
