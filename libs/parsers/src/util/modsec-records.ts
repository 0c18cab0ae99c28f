import type { NonDecisiveMatch } from '@denytrace/schema';
import type { WafRecord } from './waf-event';
import { field, rulesetOf, CRS_BLOCKING_RULES, type ModsecMessage } from './modsec-message';
import { normalizeIp, splitHostPort } from './ip';
import { intField } from './fields';
import { splitTarget } from './url-request';

/**
 * Readers shared by the ModSecurity shapes (error-log line, v3 JSON audit, v2 native audit) and
 * Coraza. Pure.
 */

/** The rule of one match (`[id]`, `[msg]`, `[ver]`) for `rule.*`. */
export function ruleOf(m: ModsecMessage): { id?: string; name?: string; ruleset?: string; category?: string } {
  return { id: field(m, 'id'), name: field(m, 'msg') ?? (m.text || undefined), ruleset: rulesetOf(m), category: field(m, 'severity')?.toLowerCase() };
}

/** A match that did not decide (a CRS rule adding to the anomaly score). */
export function nonDecisiveOf(m: ModsecMessage): NonDecisiveMatch | undefined {
  const id = field(m, 'id');
  if (!id) return undefined;
  const ruleset = rulesetOf(m);
  return ruleset ? { id, ruleset, action: 'pass', effective: false } : { id, action: 'pass', effective: false };
}

/** `blocking` when the rule is a CRS anomaly-scoring blocking rule (949110, 959100), else `rule`. */
export function ruleTypeOf(id: string | undefined): string | undefined {
  return id === undefined ? undefined : CRS_BLOCKING_RULES.has(id) ? 'anomaly-blocking' : 'rule';
}

/** Evidence text of one match: what matched, and where. */
export function matchEvidence(m: ModsecMessage): string {
  const data = field(m, 'data');
  const head = m.verdict === 'denied' ? `Access denied${m.code ? ` with code ${m.code}` : ''}${m.phase ? ` (phase ${m.phase})` : ''}` : m.verdict;
  return [head, m.text.slice(0, 200), data ? `data: ${data.slice(0, 200)}` : undefined].filter(Boolean).join('; ');
}

/**
 * Decision, action and status of a line-level message. `denied`/`dropped` → deny (answered without
 * forwarding: upstream_status null); `warning` →
 * unknown (the line alone cannot say whether the transaction was later blocked); `allowed` → pass.
 */
export function decisionOf(m: ModsecMessage): Pick<WafRecord, 'decision' | 'action' | 'status' | 'upstreamStatus'> {
  switch (m.verdict) {
    case 'denied':
    case 'dropped':
      return { decision: 'deny', action: m.verdict === 'denied' ? 'deny' : 'drop', status: m.code, upstreamStatus: null };
    case 'redirected':
      return { decision: 'deny', action: 'redirect', status: m.code, upstreamStatus: null };
    case 'allowed':
      return { decision: 'pass', action: 'allow' };
    case 'warning':
      return { decision: 'unknown', action: 'warning' };
    default:
      return { decision: 'unknown' };
  }
}

/** The request target of `[uri "…"]`. */
export function uriFields(m: ModsecMessage): Pick<WafRecord, 'path' | 'query' | 'domain'> {
  const uri = field(m, 'uri');
  const t = uri ? splitTarget(uri) : {};
  return { path: t.path, query: t.query, domain: field(m, 'hostname') };
}

/** `host:port` or bare host of a `[client …]`/`[remote …]` block into a normalized address and port. */
export function clientOf(value: string | undefined): { ip?: string; port?: number } {
  if (!value) return {};
  const hp = splitHostPort(value);
  const ip = normalizeIp(hp?.host) ?? normalizeIp(value);
  return { ip, port: ip && hp && normalizeIp(hp.host) ? hp.port : undefined };
}

/** Header lines `Name: value` into a lower-case map (first value wins). */
export function headerMap(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c <= 0) continue;
    const k = l.slice(0, c).trim().toLowerCase();
    if (!out.has(k)) out.set(k, l.slice(c + 1).trim());
  }
  return out;
}

/** A port-ish JSON value (number or digit string). */
export function portOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : intField(typeof v === 'string' ? v : undefined);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}
