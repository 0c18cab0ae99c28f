import { HOP, REFUSAL_STATUSES, cid, deferEventId, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, httpVersion, intField, isPlaceholderId, matchKey, original, present, statusField } from './util/fields';
import { unknownJsonFields } from './util/extra-fields';
import { headerCorrelationIds, headerReader, w3cTraceIdOf } from './util/header-ids';
import { normalizeIp } from './util/ip';
import { asText, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { isoFromMs, parseAnyTime } from './util/time-parse';
import { portOf, splitTarget, stripPort } from './util/url-request';

/** `event.dataset` of Caddy access events. */
export const CADDY_DATASET = 'caddy.access';

/**
 * Caddy v2 JSON access log (logger `http.log.access[.<name>]`, message `handled request`). Source:
 * https://caddyserver.com/docs/logging (structure of an access log entry) and
 * https://caddyserver.com/docs/caddyfile/directives/log; basic auth:
 * https://caddyserver.com/docs/caddyfile/directives/basic_auth. Layer `gateway`, component
 * `caddy`, hop HOP.proxy, observer `{ type: 'proxy', vendor: 'Caddy', product: 'Caddy' }`.
 *
 * Fields read: `ts` (epoch seconds with fraction, or a formatted time) → @timestamp;
 * `request.client_ip` (else `remote_ip`; the port only with remote_ip), `request.method`, `host`
 * (→ url.domain, port), `uri` (→ path, query), `proto`, `headers` (user-agent, referer, ids of
 * util/header-ids.ts), `request.tls.version` (IANA number → `1.2`/`1.3`); `status`, `size`,
 * `bytes_read`, `user_id` → user.name, `resp_headers`, `err_id`/`err_trace`; `uuid`, `request_id`,
 * `traceID`/`trace_id` when configured (`log_append`, tracing). Other keys → `extra_fields`.
 * Status 0 (Caddy wrote no status: an empty 200) is left absent.
 *
 * Decision: Caddy's access log does not say whether `reverse_proxy` answered. It is `deny` when the
 * record shows Caddy answered itself: a 401 with `WWW-Authenticate: Basic realm="restricted"` (the
 * basic_auth handler's default realm; rule `basic_auth`), or a refusal status with an `err_id`
 * (a handler returned an error, e.g. the `error` directive; rule `error`, name = `err_trace`).
 * Another refusal status is `unknown` (Caddy itself or the upstream behind reverse_proxy); a
 * status below 400 is `pass`. Lines of other Caddy loggers (`http.handlers.reverse_proxy`,
 * `http.log.error`, start-up) are skipped; JSON without `logger` or `request` is rejected.
 */
export const caddyFormat: LogFormat = {
  name: 'caddy',
  dataset: CADDY_DATASET,
  description: 'Caddy v2 JSON access log (logger http.log.access)',
  detect(sample: readonly string[]): number {
    let hits = 0;
    let misses = 0;
    for (const l of sample) {
      const t = l.trim();
      if (t === '') continue;
      if (t.charCodeAt(0) === 0x7b && t.includes('"logger":"http.')) {
        if (t.includes('"logger":"http.log.access') && t.includes('"request":{')) hits++;
      } else misses++;
    }
    return hits === 0 ? 0 : hits / (hits + misses);
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseCaddyLine(line, lineNo, options) };
  },
};

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'level', 'ts', 'logger', 'msg', 'request', 'status', 'size', 'bytes_read', 'user_id', 'duration', 'resp_headers', 'err_id', 'err_trace',
  'uuid', 'request_id', 'traceID', 'trace_id', 'spanID',
]);
const TLS_VERSIONS: Readonly<Record<number, string>> = { 769: '1.0', 770: '1.1', 771: '1.2', 772: '1.3' };
const txt = (v: unknown): string | undefined => present(asText(v)?.trim());

/** Parses one Caddy log line. Pure. */
export function parseCaddyLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (raw.trim() === '') return { kind: 'skip' };
  const p = parseJsonObject(raw);
  if (!p.ok) return { kind: 'reject', reason: 'invalid_json', detail: p.detail };
  const o = p.value;
  const logger = txt(o.logger);
  if (logger === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no logger: not a Caddy log record' };
  if (!logger.startsWith('http.log.access')) return { kind: 'skip' };
  const req = isObject(o.request) ? o.request : undefined;
  if (!req) return { kind: 'reject', reason: 'missing_field', detail: 'access record without request' };
  const t = typeof o.ts === 'number' || typeof o.ts === 'string' ? parseAnyTime(o.ts) : undefined;
  if (o.ts === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no ts' };
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `ts ${String(o.ts).slice(0, 40)}` };

  const clientIp = txt(req.client_ip);
  const ipRaw = clientIp ?? txt(req.remote_ip);
  const ip = normalizeIp(ipRaw);
  if (ipRaw !== undefined && ip === undefined) return { kind: 'reject', reason: 'invalid_ip', detail: `client_ip ${ipRaw.slice(0, 64)}` };
  const port = clientIp === undefined || clientIp === txt(req.remote_ip) ? intField(txt(req.remote_port)) : undefined;

  const h = headerReader(req.headers);
  const rh = headerReader(o.resp_headers);
  const host = txt(req.host);
  const target = splitTarget(txt(req.uri) ?? '');
  const method = txt(req.method);
  const status = statusField(txt(o.status));
  const v = caddyVerdict(status, rh('www-authenticate'), txt(o.err_id), txt(o.err_trace), host);
  const ua = h('user-agent');
  const userId = txt(o.user_id);
  const tls = isObject(req.tls) ? req.tls : undefined;
  const tlsVersion = typeof tls?.version === 'number' ? TLS_VERSIONS[tls.version] : undefined;
  const requestId = txt(o.uuid) ?? txt(o.request_id) ?? h('x-request-id');
  const traceIds = traceCorrelationIds(txt(o.traceID) ?? txt(o.trace_id));
  const w3c = w3cTraceIdOf(h) ?? traceIds.find((i) => i.startsWith('trace:'))?.slice(6);
  const d = v.decision;

  const event: DenyEvent = compact({
    '@timestamp': isoFromMs(t.ms),
    event: compact({
      dataset: CADDY_DATASET,
      id: '',
      action: d === 'deny' ? 'deny' : d === 'pass' ? 'allow' : undefined,
      outcome: d === 'deny' ? ('failure' as const) : d === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(raw),
    }),
    observer: { type: 'proxy', vendor: 'Caddy', product: 'Caddy' },
    http: compact({
      request: compact({ id: requestId, method, referrer: present(h('referer')), bytes: intField(txt(o.bytes_read)) }),
      response: compact({ status_code: status, bytes: intField(txt(o.size)) }),
      version: httpVersion(txt(req.proto)),
    }),
    url: compact({ domain: host ? stripPort(host) : undefined, port: host ? portOf(host) : undefined, path: target.path, query: target.query }),
    source: ip ? compact({ ip, port }) : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: userId ? { name: userId } : undefined,
    tls: tlsVersion ? { version: tlsVersion } : undefined,
    rule: v.rule,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'caddy',
      hop: HOP.proxy,
      decision: d,
      upstream_status: d === 'deny' ? null : undefined,
      correlation_ids: uniqueIds([isPlaceholderId(requestId) ? undefined : cid('xrid', requestId), ...headerCorrelationIds(h), ...traceIds]),
      rule_type: v.rule ? 'handler' : undefined,
      evidence: v.evidence,
      extra_fields: extraFields(o, req),
      match_key: matchKey(method, target.path, target.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, raw) };
}

function extraFields(o: JsonObject, req: JsonObject): Record<string, string> | undefined {
  const top = unknownJsonFields(o, KNOWN_KEYS);
  const inner = unknownJsonFields(req, REQUEST_KEYS, 'request.');
  return top || inner ? { ...top, ...inner } : undefined;
}
const REQUEST_KEYS: ReadonlySet<string> = new Set(['remote_ip', 'remote_port', 'client_ip', 'proto', 'method', 'host', 'uri', 'headers', 'tls']);

interface CaddyVerdict {
  decision: Decision;
  rule?: DenyEvent['rule'];
  evidence?: string;
}

/** Caddy's own part in the response (rules in {@link caddyFormat}'s docstring). */
export function caddyVerdict(status: number | undefined, wwwAuthenticate: string | undefined, errId: string | undefined, errTrace: string | undefined, host: string | undefined): CaddyVerdict {
  const refusal = status !== undefined && REFUSAL_STATUSES.has(status);
  if (status === 401 && wwwAuthenticate && /^Basic realm="restricted"/i.test(wwwAuthenticate)) {
    return { decision: 'deny', rule: compact({ id: 'basic_auth', name: 'Caddy basic_auth handler (default realm "restricted")', ruleset: host }), evidence: `WWW-Authenticate: ${wwwAuthenticate}` };
  }
  if (refusal && errId) {
    return { decision: 'deny', rule: compact({ id: 'error', name: errTrace ?? 'Caddy handler error', ruleset: host }), evidence: `err_id=${errId}${errTrace ? ` err_trace=${errTrace}` : ''}` };
  }
  if (refusal) return { decision: 'unknown', evidence: `Caddy logged ${status}; its access log cannot tell whether Caddy or the upstream behind reverse_proxy answered` };
  if (status !== undefined && status < 400) return { decision: 'pass' };
  return { decision: 'unknown' };
}
