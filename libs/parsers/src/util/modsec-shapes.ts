import type { NonDecisiveMatch } from '@denytrace/schema';
import type { ParseOutcome, ParserOptions } from '../parser';
import { httpVersion } from './fields';
import { asText, isObject, type JsonObject } from './json-path';
import { CRS_BLOCKING_RULES, field, parseModsecMessage, type ModsecMessage } from './modsec-message';
import { clientOf, decisionOf, matchEvidence, nonDecisiveOf, portOf, ruleOf, ruleTypeOf, uriFields } from './modsec-records';
import { parseNginxErrorTime } from './time-parse';
import { splitTarget } from './url-request';
import { wafEvent, type WafRecord } from './waf-event';

/**
 * ModSecurity error-log lines and v3 JSON audit records. Pure. Sources: ModSecurity v2 reference
 * manual (https://github.com/owasp-modsecurity/ModSecurity/wiki/Reference-Manual-(v2.x)), libmodsecurity
 * v3 JSON audit log (`transaction.{client_ip,time_stamp,unique_id,request,response,producer,messages[].details}`,
 * https://github.com/owasp-modsecurity/ModSecurity/wiki/Reference-Manual-(v3.x)#secauditlogformat).
 */

export const MODSEC_DATASET = 'modsecurity.auditlog';
export const MODSEC_OBSERVER = { type: 'waf', vendor: 'OWASP', product: 'ModSecurity' };

const MONTHS: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const CTIME = /^(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})$/;

/** C `ctime` style time (`Thu Sep 30 13:27:06.009964 2021`, `Mon May  9 09:41:59 2022`): no zone, read as UTC. Epoch ms. */
export function parseCtime(s: string): number | undefined {
  const m = CTIME.exec(s.trim());
  if (!m || MONTHS[m[1]] === undefined) return undefined;
  const ms = m[6] ? Number((m[6] + '00').slice(0, 3)) : 0;
  const t = Date.UTC(Number(m[7]), MONTHS[m[1]], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
  return Number.isFinite(t) && new Date(t).getUTCDate() === Number(m[2]) ? t : undefined;
}

const APACHE_HEAD = /^\[([^\]]+)\] \[([^\]]*)\] /;
const NGINX_HEAD = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[[a-z]+\] \d+#\d+: (?:\*\d+ )?/;
const BRACKET_CLIENT = /\[(client|remote) ([^\]]+)\]/g;

/** True when the line has an Apache or nginx error-log head (with or without a ModSecurity message). */
export function isErrorLogLine(line: string): boolean {
  return APACHE_HEAD.test(line) || NGINX_HEAD.test(line);
}

/** True when the line carries a ModSecurity message (error log of Apache or nginx). */
export function isModsecErrorLine(line: string): boolean {
  return line.includes('ModSecurity: ') && (APACHE_HEAD.test(line) || NGINX_HEAD.test(line));
}

/**
 * One error-log line. `prior` holds, per unique_id, the anomaly-scoring warnings seen before: the
 * "Access denied" line of that transaction lists them as non-decisive matches.
 */
export function parseModsecErrorLine(line: string, lineNo: number, options: ParserOptions, prior: Map<string, NonDecisiveMatch[]>): ParseOutcome {
  const msg = parseModsecMessage(line);
  if (!msg) return { kind: 'reject', reason: 'no_match', detail: 'no "ModSecurity: " message' };
  let ms: number | undefined;
  let tz: number | undefined;
  const a = APACHE_HEAD.exec(line);
  const n = a ? null : NGINX_HEAD.exec(line);
  if (a) {
    ms = parseCtime(a[1]);
    tz = 0;
  } else if (n) {
    ms = parseNginxErrorTime(n[1])?.ms;
    tz = 0;
  }
  if (ms === undefined) return { kind: 'reject', reason: 'invalid_timestamp', detail: (a?.[1] ?? n?.[1] ?? line.slice(0, 40)).slice(0, 64) };
  // ModSecurity's own `[client a.b.c.d]` (no port) follows Apache's `[client a:port]`/`[remote a:port]`: take the last address, the port from Apache's.
  let ip: string | undefined;
  let port: number | undefined;
  BRACKET_CLIENT.lastIndex = 0;
  for (let m = BRACKET_CLIENT.exec(msg.prefix); m; m = BRACKET_CLIENT.exec(msg.prefix)) {
    const c = clientOf(m[2]);
    if (c.ip) ip = c.ip;
    if (c.port !== undefined) port = c.port;
  }
  if (!ip && n) ip = clientOf(/, client: ([^,]+)/.exec(line)?.[1]).ip;
  const id = field(msg, 'unique_id');
  const d = decisionOf(msg);
  const rule = ruleOf(msg);
  let nonDecisive: NonDecisiveMatch[] | undefined;
  if (id) {
    if (d.decision === 'deny') {
      nonDecisive = prior.get(id);
      prior.delete(id);
    } else if (msg.verdict === 'warning') {
      const nd = nonDecisiveOf(msg);
      if (nd) {
        const list = prior.get(id) ?? [];
        if (list.length < 200) list.push(nd);
        prior.delete(id); // re-insert: the map is kept in last-touched order, oldest evicted first
        prior.set(id, list);
        if (prior.size > 1000) prior.delete(prior.keys().next().value as string);
      }
    }
  }
  const ownMatch = msg.verdict === 'warning' ? nonDecisiveOf(msg) : undefined;
  const r: WafRecord = {
    dataset: MODSEC_DATASET,
    component: 'modsecurity',
    observer: { ...MODSEC_OBSERVER, name: field(msg, 'hostname') },
    ms,
    tzOffsetMinutes: tz,
    ...d,
    rule: rule.id ? rule : undefined,
    ruleType: d.decision === 'deny' ? ruleTypeOf(rule.id) : undefined,
    nonDecisive: ownMatch ? [ownMatch] : nonDecisive,
    evidence: matchEvidence(msg),
    txId: id,
    clientIp: ip,
    clientPort: port,
    ...uriFields(msg),
    labels: msg.fields.get('tag'),
  };
  return { kind: 'event', event: wafEvent(r, line, lineNo, options) };
}

/**
 * A libmodsecurity v3 JSON audit record (`{"transaction":{…}}`). Duplicate keys (two `Set-Cookie`
 * response headers) are legal to write and read: the last value wins, as in JSON.parse.
 * Decision: messages present and a refusal status with the engine `Enabled` → deny, the decisive
 * match the CRS blocking rule (949110/959100) when present, else the last match, the others
 * non-decisive; no messages → ModSecurity matched nothing, so the status came from behind it (pass,
 * `upstream_status`); engine `DetectionOnly` → pass, every match non-decisive.
 */
export function parseModsecJson(o: JsonObject, raw: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const tx = o.transaction;
  if (!isObject(tx)) return { kind: 'reject', reason: 'missing_field', detail: 'no transaction object' };
  const ms = parseCtime(asText(tx.time_stamp) ?? '');
  if (ms === undefined) return { kind: 'reject', reason: 'invalid_timestamp', detail: `time_stamp ${String(tx.time_stamp).slice(0, 40)}` };
  const req = isObject(tx.request) ? tx.request : {};
  const res = isObject(tx.response) ? tx.response : {};
  const producer = isObject(tx.producer) ? tx.producer : {};
  const headers = new Map<string, string>();
  if (isObject(req.headers)) for (const [k, v] of Object.entries(req.headers)) if (asText(v) !== undefined && !headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), asText(v)!);
  const status = typeof res.http_code === 'number' ? res.http_code : undefined;
  const messages = (Array.isArray(tx.messages) ? tx.messages : []).filter(isObject);
  const matches = messages.map((m) => {
    const d = isObject(m.details) ? m.details : {};
    return { id: asText(d.ruleId), msg: asText(m.message), ver: asText(d.ver), data: asText(d.data), severity: asText(d.severity) };
  }).filter((m) => m.id);
  const engine = asText(producer.secrules_engine);
  const detectionOnly = engine !== undefined && engine.toLowerCase() === 'detectiononly';
  const refused = status !== undefined && status >= 400 && matches.length > 0 && !detectionOnly;
  const blocking = matches.findIndex((m) => CRS_BLOCKING_RULES.has(m.id!));
  const decisiveIdx = !refused ? -1 : blocking >= 0 ? blocking : matches.length - 1;
  const decisive = decisiveIdx >= 0 ? matches[decisiveIdx] : undefined;
  const nonDecisive: NonDecisiveMatch[] = matches.filter((_, i) => i !== decisiveIdx).map((m) => (m.ver ? { id: m.id!, ruleset: m.ver, action: 'pass', effective: false as const } : { id: m.id!, action: 'pass', effective: false as const }));
  const target = splitTarget(asText(req.uri) ?? '');
  const host = headers.get('host');
  const r: WafRecord = {
    dataset: MODSEC_DATASET,
    component: 'modsecurity',
    observer: { ...MODSEC_OBSERVER, name: asText(tx.server_id) },
    ms,
    tzOffsetMinutes: 0,
    decision: refused ? 'deny' : 'pass',
    action: refused ? 'deny' : matches.length ? 'detect' : undefined,
    status,
    upstreamStatus: refused ? null : matches.length === 0 ? status ?? null : undefined,
    rule: decisive ? { id: decisive.id, name: decisive.msg, ruleset: decisive.ver, category: decisive.severity } : undefined,
    ruleType: decisive ? ruleTypeOf(decisive.id) : undefined,
    nonDecisive,
    evidence: [
      `engine ${engine ?? '?'}`,
      matches.length ? `${matches.length} rule match(es)` : 'no rule matched: the status came from the server or upstream behind ModSecurity',
      decisive?.data ? `data: ${decisive.data.slice(0, 200)}` : undefined,
    ].filter(Boolean).join('; '),
    txId: asText(tx.unique_id),
    clientIp: clientOf(asText(tx.client_ip)).ip,
    clientPort: portOf(tx.client_port),
    serverIp: clientOf(asText(tx.host_ip)).ip,
    serverPort: portOf(tx.host_port),
    method: asText(req.method),
    path: target.path,
    query: target.query,
    version: httpVersion(asText(req.http_version)),
    domain: host ? host.replace(/:\d+$/, '') : undefined,
    headers,
  };
  return { kind: 'event', event: wafEvent(r, raw, lineNo, options) };
}

/** The decisive match among a transaction's messages: the "Access denied" one, else a CRS blocking rule, else the last. */
export function decisiveMessage(msgs: readonly ModsecMessage[]): number {
  const denied = msgs.findIndex((m) => m.verdict === 'denied' || m.verdict === 'dropped');
  if (denied >= 0) return denied;
  const blocking = msgs.findIndex((m) => CRS_BLOCKING_RULES.has(field(m, 'id') ?? ''));
  return blocking >= 0 ? blocking : msgs.length - 1;
}
