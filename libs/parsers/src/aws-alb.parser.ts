import { HOP, REFUSAL_STATUSES, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { normalizeIp, splitHostPort } from './util/ip';
import { compact, intField, isoMs, matchKey, original, present, statusField } from './util/fields';
import { tokenizeAlb } from './util/aws-alb-tokenizer';
import { parseAlbRequest } from './util/aws-alb-request';

/**
 * Application Load Balancer access logs: space-separated, quoted where AWS quotes. Source:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 *
 * Every field generation is read by position up to what the line has ({@link ALB_FIELDS}: the
 * original 18 fields through `trace_id`, the 2019 layout ending after `target_status_code_list`,
 * and the current one through `request_transform_status`); fields past the last documented one are
 * kept as `field_<n>` in `denytrace.extra_fields`. Lines with fewer than 18 fields are rejected
 * (`invalid_field`). NLB (`tls …`), Classic ELB and ALB connection-log lines are rejected
 * (`no_match`) with a detail naming what they are.
 *
 * Fields: time (ISO-8601 µs, truncated to ms) → @timestamp; elb → observer.name; client:port
 * (split on the last colon, RFC 5952) → source; target:port → destination; elb_status_code →
 * status; target_status_code → upstream_status; request → method, scheme, domain, port, path,
 * query (as logged, not decoded), http.version; user_agent; ssl_cipher/ssl_protocol → tls;
 * trace_id → http.request.id (the Root) and `xray:` ids; actions_executed, matched_rule_priority,
 * error_reason → decision, rule and evidence. Other documented fields (target_group_arn,
 * chosen_cert_arn, request_creation_time, timings other than -1, conn_trace_id — per connection,
 * never a request id — …) are kept in extra_fields under their AWS names.
 *
 * Decision: a target status means the ALB forwarded → `pass`. Without one: `waf` in
 * actions_executed and a 4xx → `deny` by the attached web ACL (`refused_by` aws-waf);
 * `fixed-response` with a 4xx/5xx → `deny` by listener rule `matched_rule_priority`; `authenticate`
 * with 401/403 → `deny`; `redirect` → `pass`; other ELB errors → `deny` only for refusal statuses
 * (401, 403, 407, 429, 451; rule id = error_reason), else `unknown`.
 */
export const albFormat: LogFormat = {
  name: 'aws-alb',
  dataset: 'aws.elb',
  description: 'AWS Application Load Balancer access logs (space-separated, every field generation)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (DETECT.test(l)) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseAlbLine(line, lineNo, options) };
  },
};

/** Documented ALB access-log fields, in order. */
export const ALB_FIELDS: readonly string[] = [
  'type', 'time', 'elb', 'client:port', 'target:port', 'request_processing_time', 'target_processing_time',
  'response_processing_time', 'elb_status_code', 'target_status_code', 'received_bytes', 'sent_bytes', 'request',
  'user_agent', 'ssl_cipher', 'ssl_protocol', 'target_group_arn', 'trace_id', 'domain_name', 'chosen_cert_arn',
  'matched_rule_priority', 'request_creation_time', 'actions_executed', 'redirect_url', 'error_reason',
  'target:port_list', 'target_status_code_list', 'classification', 'classification_reason', 'conn_trace_id',
  'transformed_host', 'transformed_uri', 'request_transform_status',
];
const MIN_FIELDS = 18;
const TYPES: ReadonlySet<string> = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
const DETECT = /^(?:https?|h2|grpcs|wss?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z (?:app|net)\//;
const ISO_START = /^\d{4}-\d{2}-\d{2}T/;
/** Fields read into ECS places; every other documented field with a value goes to extra_fields. */
const MAPPED: ReadonlySet<string> = new Set([
  'type', 'time', 'elb', 'client:port', 'target:port', 'elb_status_code', 'target_status_code', 'received_bytes',
  'sent_bytes', 'request', 'user_agent', 'ssl_cipher', 'ssl_protocol', 'trace_id', 'actions_executed',
]);
const DATASET = 'aws.elb';

/** Parses one ALB access-log line. Pure. */
export function parseAlbLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  if (line.trim() === '') return { kind: 'skip' };
  const sp = line.indexOf(' ');
  const type = sp > 0 ? line.slice(0, sp) : line;
  if (!TYPES.has(type)) return rejectOther(line, type);
  const tokens = tokenizeAlb(line);
  if (typeof tokens === 'string') return { kind: 'reject', reason: 'invalid_field', detail: tokens };
  if (tokens.length < MIN_FIELDS) return { kind: 'reject', reason: 'invalid_field', detail: `${tokens.length} fields, an ALB access log record has at least ${MIN_FIELDS}` };

  const f = new Map<string, string>();
  const extra: Record<string, string> = {};
  tokens.forEach((t, i) => {
    const name = ALB_FIELDS[i] ?? `field_${i + 1}`;
    const v = present(t);
    if (v === undefined) return;
    f.set(name, v);
    if (!MAPPED.has(name) && v !== '-1') extra[name] = v;
  });

  const ts = isoMs(f.get('time'));
  if (!ts) return { kind: 'reject', reason: 'invalid_timestamp', detail: `time ${tokens[1].slice(0, 40)}` };
  const client = splitHostPort(f.get('client:port'));
  const ip = normalizeIp(client?.host);
  if (f.has('client:port') && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `client:port ${tokens[3].slice(0, 80)}` };
  const target = splitHostPort(f.get('target:port'));
  const targetIp = normalizeIp(target?.host);

  const status = statusField(f.get('elb_status_code'));
  const targetStatus = statusField(f.get('target_status_code'));
  const actions = (f.get('actions_executed') ?? '').split(',').filter(Boolean);
  const prio = f.get('matched_rule_priority');
  const errorReason = f.get('error_reason');
  const elb = f.get('elb');
  const v = albVerdict(status, targetStatus, actions, prio, errorReason, elb);

  const req = parseAlbRequest(f.get('request') ?? '');
  const ua = f.get('user_agent');
  const trace = f.get('trace_id');
  const root = trace ? rootOf(trace) : undefined;
  const evidence = ([['actions_executed', f.get('actions_executed')], ['matched_rule_priority', prio], ['error_reason', errorReason]] as const)
    .filter(([, val]) => val !== undefined).map(([k, val]) => `${k}=${val}`).join(' ');

  const event: DenyEvent = compact({
    '@timestamp': ts,
    event: compact({
      dataset: DATASET,
      id: '',
      action: v.decision === 'deny' ? 'deny' : actions.at(-1),
      outcome: v.decision === 'deny' ? ('failure' as const) : v.decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(line),
    }),
    observer: compact({ type: 'load-balancer', vendor: 'AWS', product: 'Elastic Load Balancing', name: elb }),
    http: compact({
      request: compact({ id: root, method: req.method, bytes: intField(f.get('received_bytes')) }),
      response: compact({ status_code: status, bytes: intField(f.get('sent_bytes')) }),
      version: req.version,
    }),
    url: compact({ scheme: req.scheme, domain: req.domain, port: req.port, path: req.path, query: req.query }),
    source: compact({ ip, port: client?.port }),
    destination: targetIp ? compact({ ip: targetIp, port: target?.port }) : undefined,
    user_agent: ua !== undefined ? { original: ua } : undefined,
    tls: compact({ version: f.get('ssl_protocol'), cipher: f.get('ssl_cipher') }),
    rule: v.rule,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'alb',
      hop: HOP.loadBalancer,
      decision: v.decision,
      upstream_status: targetStatus !== undefined ? targetStatus : v.decision === 'deny' ? null : undefined,
      correlation_ids: uniqueIds(traceCorrelationIds(trace)),
      rule_type: v.ruleType,
      refused_by: v.refusedBy,
      evidence: evidence || undefined,
      extra_fields: Object.keys(extra).length ? extra : undefined,
      match_key: matchKey(req.method, req.path, req.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, line) };
}

interface AlbVerdict {
  decision: Decision;
  rule?: DenyEvent['rule'];
  ruleType?: string;
  refusedBy?: { layer: 'waf'; component: string };
}

/** The ALB's own part in the response (rules in {@link albFormat}'s docstring). */
export function albVerdict(status: number | undefined, targetStatus: number | undefined, actions: readonly string[], prio: string | undefined, errorReason: string | undefined, elb: string | undefined): AlbVerdict {
  if (targetStatus !== undefined) return { decision: 'pass' };
  const has = (a: string): boolean => actions.includes(a);
  const listenerRule = (what: string): DenyEvent['rule'] =>
    compact({ id: prio ?? what, name: prio !== undefined ? `listener rule priority ${prio}: ${what}` : `listener rule: ${what}`, ruleset: elb });
  const is4xx = status !== undefined && status >= 400 && status < 500;
  if (has('waf') && is4xx) {
    return { decision: 'deny', ruleType: 'waf', refusedBy: { layer: 'waf', component: 'aws-waf' }, rule: compact({ id: 'waf', name: 'AWS WAF web ACL attached to the load balancer', ruleset: elb }) };
  }
  if (has('fixed-response') && status !== undefined) {
    return status >= 400 ? { decision: 'deny', ruleType: 'fixed-response', rule: listenerRule('fixed-response') } : { decision: 'pass' };
  }
  if (has('authenticate') && (status === 401 || status === 403)) return { decision: 'deny', ruleType: 'authenticate', rule: listenerRule('authenticate') };
  if (has('redirect')) return { decision: 'pass' };
  if (status !== undefined && REFUSAL_STATUSES.has(status)) {
    return { decision: 'deny', ruleType: 'elb-error', rule: compact({ id: errorReason ?? `elb-${status}`, name: errorReason ? `ELB error_reason ${errorReason}` : `ELB ${status} without a target`, ruleset: elb }) };
  }
  if (status !== undefined && status < 400 && !errorReason) return { decision: 'pass' };
  return { decision: 'unknown' };
}

/** `Self=1-…;Root=1-…` → `1-…` (the Root as logged); a value without `Root=` is returned whole. */
function rootOf(trace: string): string {
  const i = trace.indexOf('Root=');
  if (i < 0) return trace;
  const end = trace.indexOf(';', i);
  return trace.slice(i + 5, end < 0 ? undefined : end);
}

/** A line of another ELB log that may share the file: say what it is. */
function rejectOther(line: string, first: string): ParseOutcome {
  if (first === 'tls' || first === 'udp' || first === 'tcp') {
    return { kind: 'reject', reason: 'no_match', detail: `Network Load Balancer access log record (type ${first}), not an ALB access log record` };
  }
  if (ISO_START.test(first)) {
    const parts = line.split(' ', 4);
    const what = parts[2]?.includes(':') ? 'Classic Load Balancer access log record' : 'ALB connection log record';
    return { kind: 'reject', reason: 'no_match', detail: `${what}, not an ALB access log record` };
  }
  return { kind: 'reject', reason: 'no_match', detail: `type ${first.slice(0, 20)} is not an ALB request type (http, https, h2, grpcs, ws, wss)` };
}
