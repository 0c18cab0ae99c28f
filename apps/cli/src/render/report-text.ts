import Table from 'cli-table3';
import type { Report } from '@denytrace/traces';
import { clip, terminalSafe } from './terminal-safe';

/** `denytrace report` for a terminal: refusals by emitting layer × decisive rule, then top countries, networks and routes. */
export function renderReport(r: Report): string {
  if (r.verdicts === 0) return `No ${r.status}s in the store for this range.`;
  const out: string[] = [];
  const pct = (n: number) => `${((100 * n) / r.verdicts).toFixed(1)}%`;
  out.push(`${r.verdicts} requests answered ${r.status}, ${r.first_seen} → ${r.last_seen}` + (r.low_confidence ? ` (${r.low_confidence} with low confidence)` : ''));
  out.push(`by emitting layer: ${Object.entries(r.by_layer).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n} (${pct(n)})`).join(', ')}`);
  const t = new Table({ head: ['emitting layer', 'component', 'decisive rule', 'ruleset', r.status + 's', 'share'], style: { head: [], border: [], compact: true } });
  for (const row of r.by_layer_rule) {
    t.push([row.emitting_layer ?? '-', row.component ?? '-', terminalSafe(clip(row.rule_id ?? '-', 52)), terminalSafe(clip(row.ruleset ?? '-', 40)), String(row.count), pct(row.count)]);
  }
  out.push('', t.toString());
  for (const [title, rows] of [['top countries', r.top_countries], ['top client networks', r.top_networks], ['top routes', r.top_paths]] as const) {
    const tt = new Table({ head: [title, r.status + 's'], style: { head: [], border: [], compact: true } });
    for (const row of rows) tt.push([terminalSafe(clip(row.value, 70)), String(row.count)]);
    out.push('', tt.toString());
  }
  return out.join('\n');
}
