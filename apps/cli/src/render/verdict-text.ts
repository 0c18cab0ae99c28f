import Table from 'cli-table3';
import type { Verdict } from '@denytrace/schema';
import { clip, terminalSafe } from './terminal-safe';

/**
 * A verdict for a person at a terminal: the conclusion first, then the events in hop order with
 * what each layer did, the explanation and (with `raw`) the raw log lines. Every value from a log is
 * passed through `terminalSafe`.
 */
export function renderVerdict(v: Verdict, o: { raw?: boolean; width?: number } = {}): string {
  const s = (x: string | null | undefined) => terminalSafe(x ?? '-');
  const head: string[] = [];
  const who = v.emitting_layer ? `${v.emitting_layer}${v.emitter ? ` (${v.emitter.component})` : ''}` : 'nobody';
  head.push(`${s(v.request.method)} ${s(v.request.domain ?? '')}${s(v.request.path)}${v.request.query ? `?${s(v.request.query)}` : ''}  →  ${v.status ?? '-'}`);
  head.push(`emitting layer: ${who}`);
  head.push(`decisive rule:  ${v.decisive_rule ? `${s(v.decisive_rule.id)}${v.decisive_rule.ruleset ? `  [${s(v.decisive_rule.ruleset)}]` : ''}` : '-'}`);
  head.push(`confidence:     ${v.confidence_label} (${v.confidence})${v.missing_layers.length ? `  missing: ${v.missing_layers.map(s).join(', ')}` : ''}${v.provisional ? '  (provisional)' : ''}`);
  head.push(`client:         ${s(v.client.ip)}${v.client.country ? ` ${s(v.client.country)}` : ''}${v.client.network ? `  ${s(v.client.network)}` : ''}${v.client.organization ? ` (${s(v.client.organization)})` : ''}`);
  if (v.user.id) head.push(`principal:      ${s(v.user.id)}${v.user.roles.length ? ` roles ${v.user.roles.map(s).join(',')}` : ''}${v.user.tenant ? ` tenant ${s(v.user.tenant)}` : ''}`);
  head.push(`ids:            ${v.correlation_ids.map(s).join('  ')}`);

  const table = new Table({ head: ['hop', 'time (UTC)', 'layer', 'status', 'did', 'rule / evidence'], style: { head: [], border: [], compact: true }, wordWrap: true, colWidths: [5, 26, 13, 8, 12, 56] });
  for (const e of v.events) {
    const did = e.decision === 'deny' ? 'REFUSED' : e.decision === 'pass' ? (e.upstream_status !== null ? `passed ${e.upstream_status}` : 'passed') : '?';
    const rule = e.rule ? `${e.rule.id}${e.rule.ruleset ? ` (${e.rule.ruleset})` : ''}` : e.evidence ?? '';
    table.push([String(e.hop), e['@timestamp'], `${e.component}${e.joined_by === 'match' ? ' ~' : ''}`, e.status === null ? '-' : String(e.status), did, s(clip(rule, 100))]);
  }
  const out = [...head, '', table.toString(), '', ...v.explanation.map((l) => terminalSafe(l))];
  if (o.raw) {
    out.push('', 'raw lines:');
    for (const e of v.events) out.push(`  [${e.dataset}] ${s(clip(e.original ?? '', o.width ?? 2000))}`);
  }
  return out.join('\n');
}
