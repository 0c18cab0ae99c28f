import type { Layer, Verdict } from '@denytrace/schema';
import { routeTemplate } from '@denytrace/schema';

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
  const acc = new ReportAccumulator(o);
  for (const v of verdicts) acc.add(v);
  return acc.result();
}

/** The same as {@link summarize} over an async stream (store pages), in constant memory but for the top lists. */
export async function summarizeAsync(verdicts: AsyncIterable<Verdict>, o: { status?: number; top?: number } = {}): Promise<Report> {
  const acc = new ReportAccumulator(o);
  for await (const v of verdicts) acc.add(v);
  return acc.result();
}

/** Counts verdicts one at a time; `result()` gives the report. */
export class ReportAccumulator {
  private readonly status: number;
  private readonly top: number;
  private readonly layerRule = new Map<string, LayerRuleRow>();
  private readonly byLayer: Record<string, number> = {};
  private readonly countries = new Map<string, number>();
  private readonly networks = new Map<string, number>();
  private readonly paths = new Map<string, number>();
  private n = 0;
  private low = 0;
  private first: string | null = null;
  private last: string | null = null;

  constructor(o: { status?: number; top?: number } = {}) {
    this.status = o.status ?? 403;
    this.top = o.top ?? 10;
  }

  add(v: Verdict): void {
    if (v.status !== this.status) return;
    this.n++;
    if (v.confidence_label === 'low') this.low++;
    if (this.first === null || v.first_seen < this.first) this.first = v.first_seen;
    if (this.last === null || v.last_seen > this.last) this.last = v.last_seen;
    const layer = v.emitting_layer ?? 'unknown';
    this.byLayer[layer] = (this.byLayer[layer] ?? 0) + 1;
    const key = `${layer}\u0000${v.emitter?.component ?? ''}\u0000${v.decisive_rule?.id ?? ''}\u0000${v.decisive_rule?.ruleset ?? ''}`;
    const row = this.layerRule.get(key);
    if (row) row.count++;
    else this.layerRule.set(key, { emitting_layer: v.emitting_layer, component: v.emitter?.component ?? null, rule_id: v.decisive_rule?.id ?? null, ruleset: v.decisive_rule?.ruleset ?? null, count: 1 });
    bump(this.countries, v.client.country ?? 'unknown');
    bump(this.networks, v.client.network ? `${v.client.network}${v.client.organization ? ` (${v.client.organization})` : ''}` : v.client.ip ?? 'unknown');
    if (v.request.path) bump(this.paths, `${v.request.method ?? ''} ${routeTemplate(v.request.path)}`.trim());
  }

  result(): Report {
    return {
      status: this.status,
      verdicts: this.n,
      by_layer: this.byLayer,
      by_layer_rule: [...this.layerRule.values()].sort((a, b) => b.count - a.count),
      top_countries: topOf(this.countries, this.top),
      top_networks: topOf(this.networks, this.top),
      top_paths: topOf(this.paths, this.top),
      low_confidence: this.low,
      first_seen: this.first,
      last_seen: this.last,
    };
  }
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
