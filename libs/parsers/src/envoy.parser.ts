import { cfRayId, cid, deferEventId, HOP, traceCorrelationIds, uniqueIds, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { CriJoiner } from './util/cri';
import { envoyDecision } from './util/envoy-details';
import { compact, httpVersion, intField, isoMs, matchKey, original, present, statusField } from './util/fields';
import { normalizeIp, splitHostPort } from './util/ip';
import { asText, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { splitTarget, stripPort } from './util/url-request';

/**
 * Envoy access logs (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage),
 * one record a line, bare or inside CRI container-log lines (`<time> stdout F <record>`):
 *
 * - the **default text format** `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
 *   %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
 *   %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
 *   "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"`, and Istio's default, which adds `%RESPONSE_CODE_DETAILS%
 *   %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"` after the flags and
 *   `%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
 *   %REQUESTED_SERVER_NAME% %ROUTE_NAME%` at the end (https://istio.io/latest/docs/tasks/observability/logs/access-log/);
 * - **JSON** (`json_format`; keys as Envoy Gateway and Istio name them: `start_time`, `method`,
 *   `x-envoy-origin-path`/`path`, `protocol`, `response_code`, `response_flags`, `response_code_details`,
 *   `:authority`, `user-agent`, `x-forwarded-for`, `x-request-id`, `upstream_host`, `upstream_cluster`,
 *   `route_name`, `downstream_remote_address` …). Keys not read are kept in `denytrace.extra_fields`.
 *
 * Envoy's own debug/application log lines (`[2025-11-28 16:02:27.483][20][debug][http] [source/…]`) and
 * their header-dump lines (`':path', '/api/test'`) are skipped, not rejected.
 *
 * Layer gateway, component `envoy`, hop {@link HOP.proxy}. Decision from response code details and
 * flags (see `envoyDecision`): RBAC `rbac_access_denied_matched_policy[<policy>]` → deny, rule = the
 * policy; `ext_authz_denied`/`ext_authz_error`/`UAEX` → deny with `refused_by` the external authorizer
 * (`ext-authz`, whose own log names the policy); `via_upstream` (or an upstream host in the default
 * format) → pass with `upstream_status`. Ids: `x-request-id` → `xrid:`, `traceparent` /
 * `x-amzn-trace-id` / `x-b3-traceid` → `trace:`/`xray:`, `cf-ray` → `cfray:`. Time: `START_TIME`
 * (ISO-8601 UTC), else the CRI time.
 */
export const envoyFormat: LogFormat = {
  name: 'envoy',
  dataset: 'envoyproxy.log',
  description: 'Envoy access logs: default text format, Istio format or JSON (bare or in CRI container-log lines)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    let records = 0;
    for (const raw of sample) {
      const line = stripCri(raw.trim());
      if (line === '' || HEADER_DUMP.test(line)) continue;
      seen++;
      if (TEXT_HEAD.test(line)) (hits++, records++);
      else if (DEBUG_LINE.test(line) && line.includes('source/')) hits++;
      else if (line.charCodeAt(0) === 0x7b && line.includes('"response_code"') && (line.includes('"response_flags"') || line.includes('"upstream_cluster"') || line.includes('"response_code_details"'))) (hits++, records++);
    }
    if (seen === 0 || hits === 0) return 0;
    return (hits / seen) * (records > 0 ? 0.95 : 0.8);
  },
  createParser(options: ParserOptions): LineParser {
    const joiner = new CriJoiner();
    return {
      parse(line: string, lineNo: number): ParseOutcome {
        if (line.trim() === '') return { kind: 'skip' };
        const whole = joiner.push(line);
        if (!whole) return { kind: 'skip' };
        return parseEnvoyRecord(whole.message, whole.cri?.time, line, lineNo, options);
      },
    };
  },
};

const DATASET = 'envoyproxy.log';
const CRI_PREFIX = /^\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}) (?:stdout|stderr) [FP] /;
const TEXT_HEAD = /^\[(\d{4}-\d{2}-\d{2}T[^\]]+)\] "(\S+) (\S*) ?([^"]*)" (\d{1,3}) (\S+) ?(.*)$/;
const DEBUG_LINE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\]\[\d+\]\[[a-z]+\]\[[\w.]+\] /;
const HEADER_DUMP = /^'[^']*', '.*'$/;
const TOKEN = /"((?:[^"\\]|\\.)*)"|(\S+)/g;

function stripCri(line: string): string {
  const m = CRI_PREFIX.exec(line);
  return m ? line.slice(m[0].length) : line;
}

/** Fields of one record, whatever its shape. */
interface EnvoyFields {
  time?: string;
  method?: string;
  path?: string;
  protocol?: string;
  status?: string;
  flags?: string;
  details?: string;
  xff?: string;
  ua?: string;
  xrid?: string;
  authority?: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  routeName?: string;
  remote?: string;
  bytesReceived?: string;
  bytesSent?: string;
  traceValues: string[];
  cfRay?: string;
  extra?: Record<string, string>;
}

/** Parses one whole record (CRI prefix removed). `criTime` is the runtime's time when there was one. */
export function parseEnvoyRecord(text: string, criTime: string | undefined, raw: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const line = text.trim();
  if (line === '' || HEADER_DUMP.test(line) || DEBUG_LINE.test(line)) return { kind: 'skip' };
  let f: EnvoyFields | undefined;
  if (line.charCodeAt(0) === 0x7b) {
    const parsed = parseJsonObject(line);
    if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
    f = fromJson(parsed.value);
    if (f.status === undefined && f.method === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no response_code or method: not an Envoy access-log record' };
  } else {
    f = fromText(line);
    if (!f) return { kind: 'reject', reason: 'no_match', detail: 'not an Envoy access-log line (default or Istio text format, or JSON)' };
  }
  const time = isoMs(f.time) ?? isoMs(criTime);
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `start_time ${String(f.time ?? criTime).slice(0, 64)}` };
  const status = statusField(f.status);
  if (f.status !== undefined && f.status !== '0' && status === undefined) return { kind: 'reject', reason: 'invalid_field', detail: `response_code ${f.status.slice(0, 32)}` };

  const flags = present(f.flags)?.split(',').map((x) => x.trim()).filter((x) => x !== '' && x !== '-') ?? [];
  const upstreamHost = present(f.upstreamHost);
  const d = envoyDecision(status, present(f.details), flags, upstreamHost);

  // Client: the peer Envoy saw, else the first X-Forwarded-For hop (the default text format logs only that).
  const remote = splitHostPort(present(f.remote));
  const xffFirst = present(f.xff)?.split(',')[0]?.trim();
  const ip = normalizeIp(remote?.host) ?? normalizeIp(splitHostPort(xffFirst)?.host);
  const target = f.path ? splitTarget(f.path) : {};
  const authority = present(f.authority);
  const method = present(f.method);
  const ua = present(f.ua);
  const xrid = present(f.xrid);
  const traceIds = f.traceValues.flatMap((t) => traceCorrelationIds(t));
  const w3c = traceIds.find((i) => i.startsWith('trace:'))?.slice(6);

  const event: DenyEvent = {
    '@timestamp': time,
    event: compact({
      dataset: DATASET,
      id: '',
      action: d.action,
      outcome: d.decision === 'deny' ? ('failure' as const) : d.decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(raw),
    }),
    observer: { type: 'proxy', vendor: 'Envoy', product: 'Envoy' },
    http: compact({
      request: compact({ id: xrid, method, bytes: intField(f.bytesReceived) }),
      response: status !== undefined || f.bytesSent !== undefined ? compact({ status_code: status, bytes: intField(f.bytesSent) }) : undefined,
      version: httpVersion(present(f.protocol)),
    }),
    url: compact({ domain: authority ? stripPort(authority) : undefined, path: target.path, query: target.query, original: f.path }),
    source: ip ? compact({ ip, port: remote && normalizeIp(remote.host) ? remote.port : undefined }) : undefined,
    user_agent: ua ? { original: ua } : undefined,
    rule: d.rule,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'envoy',
      hop: HOP.proxy,
      decision: d.decision,
      upstream_status: d.upstream_status,
      correlation_ids: uniqueIds([cid('xrid', xrid), ...traceIds, cid('cfray', cfRayId(f.cfRay))]),
      rule_type: d.rule_type,
      refused_by: d.refused_by,
      evidence: [d.evidence, present(f.routeName) ? `route_name=${f.routeName}` : undefined, present(f.upstreamCluster) ? `upstream_cluster=${f.upstreamCluster}` : undefined].filter(Boolean).join('; ') || undefined,
      extra_fields: f.extra && Object.keys(f.extra).length ? f.extra : undefined,
      match_key: matchKey(method, target.path, target.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  };
  return { kind: 'event', event: deferEventId(compact(event), raw) };
}

function fromText(line: string): EnvoyFields | undefined {
  const m = TEXT_HEAD.exec(line);
  if (!m) return undefined;
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let t = TOKEN.exec(m[7]); t; t = TOKEN.exec(m[7])) tokens.push(t[1] !== undefined ? t[1] : t[2]);
  const f: EnvoyFields = { time: m[1], method: m[2], path: m[3], protocol: m[4], status: m[5], flags: m[6], traceValues: [] };
  let i = 0;
  const istio = tokens.length > 0 && !/^(\d+|-)$/.test(tokens[0]);
  if (istio) {
    f.details = tokens[0];
    i = 3; // details, connection termination details, "upstream transport failure reason"
  }
  [f.bytesReceived, f.bytesSent] = [tokens[i], tokens[i + 1]];
  [f.xff, f.ua, f.xrid, f.authority, f.upstreamHost] = tokens.slice(i + 4, i + 9);
  let rest = i + 9;
  if (istio) {
    f.upstreamCluster = tokens[rest];
    f.remote = tokens[rest + 3];
    f.routeName = tokens[rest + 5];
    rest += 6;
  }
  if (tokens.length > rest) f.extra = Object.fromEntries(tokens.slice(rest).map((t, k) => [`field_${rest + k + 1}`, t]));
  return f;
}

/** JSON keys read, by what they hold; every other key goes to extra_fields. */
const KEYS: Readonly<Record<string, keyof Omit<EnvoyFields, 'traceValues' | 'extra'> | 'trace' | 'ignore'>> = {
  start_time: 'time', timestamp: 'time', method: 'method', ':method': 'method', 'x-envoy-origin-path': 'path', path: 'path', ':path': 'path',
  protocol: 'protocol', response_code: 'status', response_flags: 'flags', response_code_details: 'details',
  'x-forwarded-for': 'xff', x_forwarded_for: 'xff', 'user-agent': 'ua', user_agent: 'ua', 'x-request-id': 'xrid', request_id: 'xrid',
  ':authority': 'authority', authority: 'authority', upstream_host: 'upstreamHost', upstream_cluster: 'upstreamCluster', route_name: 'routeName',
  downstream_remote_address: 'remote', bytes_received: 'bytesReceived', bytes_sent: 'bytesSent', 'cf-ray': 'cfRay',
  traceparent: 'trace', 'x-amzn-trace-id': 'trace', 'x-b3-traceid': 'trace', trace_id: 'trace',
  duration: 'ignore', downstream_local_address: 'ignore', requested_server_name: 'ignore', connection_termination_details: 'ignore',
  upstream_local_address: 'ignore', upstream_transport_failure_reason: 'ignore', 'x-envoy-upstream-service-time': 'ignore', upstream_service_time: 'ignore',
};

function fromJson(o: JsonObject): EnvoyFields {
  const f: EnvoyFields = { traceValues: [] };
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const slot = KEYS[k];
    const text = asText(v);
    if (slot === 'ignore') continue;
    if (slot === 'trace') {
      if (text) f.traceValues.push(text);
    } else if (slot) {
      if (text !== undefined && f[slot] === undefined) f[slot] = text;
    } else if (v !== null && v !== undefined) {
      extra[k] = text ?? (isObject(v) || Array.isArray(v) ? JSON.stringify(v) : String(v));
    }
  }
  // Envoy Gateway logs the path as x-envoy-origin-path and may also log a rewritten `path`: keep the client's.
  const origin = asText(o['x-envoy-origin-path']);
  if (origin) f.path = origin;
  f.extra = extra;
  return f;
}
