import { HOP, REFUSAL_STATUSES, deferEventId, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { COMBINED } from './nginx-access.parser';
import { compact, httpVersion, intField, matchKey, original, present, statusField } from './util/fields';
import { unknownJsonFields } from './util/extra-fields';
import { headerCorrelationIds, headerReader, w3cTraceIdOf } from './util/header-ids';
import { normalizeIp, splitHostPort } from './util/ip';
import { asText, parseJsonObject, type JsonObject } from './util/json-path';
import { unescapeNginx } from './util/nginx-escape';
import { isoFromMs, parseIsoTime, parseNginxTimeLocal } from './util/time-parse';
import { splitRequestLine, splitTarget, stripPort, type RequestLine } from './util/url-request';

/** `event.dataset` of Traefik access events (Elastic's `traefik.access`). */
export const TRAEFIK_DATASET = 'traefik.access';

/**
 * Traefik Proxy access logs, JSON or Common Log Format. Source:
 * https://doc.traefik.io/traefik/observability/access-logs/ (format, fields, `request_`/`origin_`/
 * `downstream_` header fields). Layer `gateway`, component `traefik`, hop HOP.proxy, observer
 * `{ type: 'proxy', vendor: 'Traefik Labs', product: 'Traefik' }`.
 *
 * JSON fields read: `StartUTC` (ns precision, truncated to ms; else `time`) → @timestamp;
 * `ClientHost` (when it holds a forwarded list, the last address — the one the nearest trusted
 * proxy appended, as CrowdSec reads it), `ClientPort`, `ClientUsername` → source, user.name;
 * `RequestMethod`, `RequestPath` (path and query), `RequestProtocol`, `RequestScheme`,
 * `RequestAddr`/`RequestHost` (→ url.domain, port), `DownstreamStatus`, `DownstreamContentSize`,
 * `RequestContentSize`, `OriginStatus`, `entryPointName`, `TLSVersion`, `TLSCipher`, `TraceId`; `request_<Header>` fields
 * (`request_User-Agent`, `request_Referer`, `request_X-Request-Id`, `request_Traceparent`,
 * `request_X-Amzn-Trace-Id`, `request_Cf-Ray`, `request_X-Amz-Cf-Id` → ids). `RouterName`,
 * `ServiceName`, `ServiceURL` and the other keys (timings, `origin_*`/`downstream_*` headers,
 * `RequestCount` — a counter, not an id) are kept in `extra_fields` under their Traefik names.
 *
 * CLF: `<client> - <user> [<time>] "<request>" <status> <size> "<referer>" "<agent>"
 * <request count> "<router>" "<service URL>" <duration>ms`; the status is the downstream one.
 *
 * Decision: `OriginStatus` > 0 (JSON) or a service URL (CLF) → the request reached the service:
 * `pass`, `upstream_status` = OriginStatus (CLF: the status). `OriginStatus` 0 / no service URL:
 * Traefik or one of the router's middlewares (ForwardAuth, IPAllowList, BasicAuth, RateLimit …)
 * answered → `deny` for a refusal status (401, 403, 407, 429, 451), rule id = `RouterName`,
 * ruleset = `entryPointName` (the access log does not name the middleware); `pass` below 400;
 * `unknown` otherwise (a 502 when the service could not be reached also has OriginStatus 0).
 * Traefik's own log lines and plugin output in the same stream (`DEBUG: …`, `time="…" level=…`,
 * JSON with `level`/`msg` and no request) are skipped; other lines are rejected.
 */
export const traefikFormat: LogFormat = {
  name: 'traefik',
  dataset: TRAEFIK_DATASET,
  description: 'Traefik access log, JSON or CLF (DownstreamStatus vs OriginStatus, RouterName)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '' || OWN_LOG.test(l)) continue;
      seen++;
      if (l.charCodeAt(0) === 0x7b) {
        if (!l.includes('"DownstreamStatus"') && !l.includes('"RouterName"')) continue;
        const p = parseJsonObject(l);
        if (p.ok && isAccessRecord(p.value)) hits++;
      } else if (clfTail(l)) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseTraefikLine(line, lineNo, options) };
  },
};

/** Traefik's own (non-access) log lines and plugin output: `DEBUG: …`, `time="…" level=…`, `2024-… INF …`. */
const OWN_LOG = /^(?:(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|PANIC): |time="[^"]*" level=|\d{4}-\d{2}-\d{2}T\S+ (?:TRC|DBG|INF|WRN|ERR|FTL|PNC) )/;
const CLF_TAIL = /^ (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\d+)ms\s*$/;

function clfTail(line: string): { m: RegExpExecArray; tail: RegExpExecArray } | undefined {
  const m = COMBINED.exec(line);
  if (!m || m[1] !== undefined || m[8] === undefined) return undefined;
  const tail = CLF_TAIL.exec(m[10] ?? '');
  return tail ? { m, tail } : undefined;
}

function isAccessRecord(o: JsonObject): boolean {
  return 'DownstreamStatus' in o || ('RequestMethod' in o && ('ClientHost' in o || 'ClientAddr' in o));
}

/** Parses one Traefik access-log line, JSON or CLF. Pure. */
export function parseTraefikLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (raw.trim() === '' || OWN_LOG.test(raw)) return { kind: 'skip' };
  if (raw.charCodeAt(0) === 0x7b) {
    const p = parseJsonObject(raw);
    if (!p.ok) return { kind: 'reject', reason: 'invalid_json', detail: p.detail };
    if (!isAccessRecord(p.value)) {
      return 'msg' in p.value && 'level' in p.value ? { kind: 'skip' } : { kind: 'reject', reason: 'missing_field', detail: 'no DownstreamStatus or RequestMethod: not a Traefik access record' };
    }
    return jsonEvent(p.value, raw, lineNo, options);
  }
  const c = clfTail(raw);
  if (!c) return { kind: 'reject', reason: 'no_match', detail: 'not a Traefik access line (JSON or CLF)' };
  return clfEvent(c.m, c.tail, raw, lineNo, options);
}

const txt = (v: unknown): string | undefined => present(asText(v)?.trim());

function jsonEvent(o: JsonObject, raw: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const tsText = txt(o.StartUTC) ?? txt(o.time) ?? txt(o.StartLocal);
  if (!tsText) return { kind: 'reject', reason: 'missing_field', detail: 'no StartUTC or time' };
  const t = parseIsoTime(tsText);
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `StartUTC ${tsText.slice(0, 40)}` };
  const hostList = txt(o.ClientHost) ?? splitHostPort(txt(o.ClientAddr))?.host;
  const hostRaw = hostList?.split(',').pop()?.trim();
  const ip = normalizeIp(hostRaw);
  if (hostRaw && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `ClientHost ${hostRaw.slice(0, 64)}` };

  const headers: Record<string, unknown> = {};
  for (const k in o) if (k.startsWith('request_')) headers[k.slice(8)] = o[k];
  const h = headerReader(headers);
  const target = splitTarget(txt(o.RequestPath) ?? '');
  const addr = txt(o.RequestAddr) ?? txt(o.RequestHost);
  const req: RequestLine = { method: txt(o.RequestMethod), path: target.path, query: target.query, version: httpVersion(txt(o.RequestProtocol)), scheme: txt(o.RequestScheme), domain: addr ? stripPort(addr) : undefined };
  const status = statusField(txt(o.DownstreamStatus));
  const originRaw = txt(o.OriginStatus);
  const origin = originRaw === undefined ? undefined : Number(originRaw);
  const forwarded = origin === undefined ? undefined : origin > 0;
  const router = txt(o.RouterName);
  const entry = txt(o.entryPointName);
  const v = traefikVerdict(status, forwarded, forwarded ? statusField(originRaw) : null, router, entry);
  const traceIds = traceCorrelationIds(txt(o.TraceId));
  const w3c = w3cTraceIdOf(h) ?? traceIds.find((i) => i.startsWith('trace:'))?.slice(6);
  const evidence = [`DownstreamStatus=${status ?? '-'}`, `OriginStatus=${originRaw ?? '-'}`, router && `RouterName=${router}`, txt(o.ServiceName) && `ServiceName=${txt(o.ServiceName)}`].filter(Boolean).join(' ');

  return build({
    ts: isoFromMs(t.ms), raw, lineNo, options, req, status, v, ip, evidence,
    port: intField(txt(o.ClientPort)),
    urlPort: addr ? splitHostPort(addr)?.port : undefined,
    user: txt(o.ClientUsername),
    ua: h('user-agent'), referrer: h('referer'),
    bytes: intField(txt(o.DownstreamContentSize)), reqBytes: intField(txt(o.RequestContentSize)),
    tls: compact({ version: txt(o.TLSVersion), cipher: txt(o.TLSCipher) }),
    ids: [...headerCorrelationIds(h), ...traceIds],
    requestId: h('x-request-id'), w3c,
    extra: unknownJsonFields(o, JSON_KNOWN),
  });
}

const JSON_KNOWN: ReadonlySet<string> = new Set([
  'StartUTC', 'StartLocal', 'time', 'ClientHost', 'ClientAddr', 'ClientPort', 'ClientUsername', 'RequestMethod', 'RequestPath',
  'RequestProtocol', 'RequestScheme', 'RequestAddr', 'RequestHost', 'DownstreamStatus', 'DownstreamContentSize', 'RequestContentSize',
  'OriginStatus', 'entryPointName', 'TLSVersion', 'TLSCipher', 'TraceId', 'level', 'msg',
  'request_User-Agent', 'request_Referer', 'request_X-Request-Id', 'request_Traceparent', 'request_X-Amzn-Trace-Id', 'request_Cf-Ray', 'request_X-Amz-Cf-Id',
]);

function clfEvent(m: RegExpExecArray, tail: RegExpExecArray, raw: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const t = parseNginxTimeLocal(m[4]);
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `time ${m[4].slice(0, 40)}` };
  const ip = normalizeIp(m[2]);
  if (!ip) return { kind: 'reject', reason: 'invalid_ip', detail: `client ${m[2].slice(0, 64)}` };
  const req = splitRequestLine(unescapeNginx(m[5], 'default'));
  const status = statusField(m[6]);
  const router = present(unescapeNginx(tail[2], 'default'));
  const serviceUrl = present(unescapeNginx(tail[3], 'default'));
  const v = traefikVerdict(status, serviceUrl !== undefined, serviceUrl !== undefined ? status : null, router, undefined);
  const ua = present(unescapeNginx(m[9] ?? '', 'default'));
  const extra = compact<Record<string, string | undefined>>({ RequestCount: present(tail[1]), RouterName: router, ServiceURL: serviceUrl, Duration: `${tail[4]}ms` }) as Record<string, string>;
  return build({
    ts: isoFromMs(t.ms), raw, lineNo, options, req, status, v, ip,
    evidence: [`status=${status ?? '-'}`, `router=${router ?? '-'}`, `service_url=${serviceUrl ?? '-'}`].join(' '),
    user: present(m[3]), ua, referrer: present(unescapeNginx(m[8] ?? '', 'default')),
    bytes: intField(m[7]), ids: [], extra, tzOffset: t.offsetMinutes,
  });
}

interface TraefikVerdict {
  decision: Decision;
  upstream?: number | null;
  rule?: DenyEvent['rule'];
}

/** Traefik's own part in the response (rules in {@link traefikFormat}'s docstring). */
export function traefikVerdict(status: number | undefined, forwarded: boolean | undefined, originStatus: number | null | undefined, router: string | undefined, entry: string | undefined): TraefikVerdict {
  if (forwarded) return { decision: 'pass', upstream: originStatus ?? undefined };
  if (forwarded === undefined) return { decision: 'unknown' };
  if (status !== undefined && REFUSAL_STATUSES.has(status)) {
    const rule = router ? compact({ id: router, name: `router ${router}: Traefik or a middleware answered ${status}`, ruleset: entry }) : undefined;
    return { decision: 'deny', upstream: null, rule };
  }
  if (status !== undefined && status < 400) return { decision: 'pass' };
  return { decision: 'unknown' };
}

interface Parts {
  ts: string; raw: string; lineNo: number; options: ParserOptions; req: RequestLine; status?: number; v: TraefikVerdict;
  ip?: string; port?: number; urlPort?: number; user?: string; ua?: string; referrer?: string; bytes?: number; reqBytes?: number;
  tls?: { version?: string; cipher?: string }; ids: Array<string | undefined>; requestId?: string; w3c?: string;
  extra?: Record<string, string>; evidence: string; tzOffset?: number;
}

function build(p: Parts): ParseOutcome {
  const d = p.v.decision;
  const e: DenyEvent = compact({
    '@timestamp': p.ts,
    event: compact({
      dataset: TRAEFIK_DATASET,
      id: '',
      action: d === 'deny' ? 'deny' : d === 'pass' ? 'allow' : undefined,
      outcome: d === 'deny' ? ('failure' as const) : d === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(p.raw),
    }),
    observer: { type: 'proxy', vendor: 'Traefik Labs', product: 'Traefik' },
    http: compact({
      request: compact({ id: p.requestId, method: p.req.method, referrer: p.referrer, bytes: p.reqBytes }),
      response: compact({ status_code: p.status, bytes: p.bytes }),
      version: p.req.version,
    }),
    url: compact({ scheme: p.req.scheme, domain: p.req.domain, port: p.urlPort, path: p.req.path, query: p.req.query, original: p.req.path ? undefined : p.req.original }),
    source: p.ip ? compact({ ip: p.ip, port: p.port }) : undefined,
    user_agent: p.ua ? { original: p.ua } : undefined,
    user: p.user ? { name: p.user } : undefined,
    tls: p.tls && Object.keys(p.tls).length ? p.tls : undefined,
    rule: p.v.rule,
    trace: p.w3c ? { id: p.w3c } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'traefik',
      hop: HOP.proxy,
      decision: d,
      upstream_status: p.v.upstream,
      correlation_ids: uniqueIds(p.ids),
      rule_type: p.v.rule ? 'router' : undefined,
      evidence: p.evidence,
      extra_fields: p.extra && Object.keys(p.extra).length ? p.extra : undefined,
      match_key: matchKey(p.req.method, p.req.path, p.req.query, p.ua),
      source_file: p.options.sourceName,
      line: p.lineNo,
      tz_offset_minutes: p.tzOffset,
    }),
  });
  return { kind: 'event', event: deferEventId(e, p.raw) };
}
