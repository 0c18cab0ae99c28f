import { HOP, REFUSAL_STATUSES, cid, deferEventId, uniqueIds, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, intField, isPlaceholderId, matchKey, original, present, statusField } from './util/fields';
import { unknownJsonFields } from './util/extra-fields';
import { headerCorrelationIds, headerReader, w3cTraceIdOf } from './util/header-ids';
import { normalizeIp } from './util/ip';
import { asText, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { JsonRecordAssembler, sampleRecords } from './util/json-multiline';
import { finalUpstreamStatus } from './util/nginx-vars';
import { isoFromMs, parseEpoch } from './util/time-parse';
import { splitTarget } from './util/url-request';

/** `event.dataset` of Kong events. */
export const KONG_DATASET = 'kong.access';

/**
 * Kong Gateway logging-plugin records (file-log, http-log, tcp-log, udp-log, syslog share one
 * serializer, `kong.log.serialize`): one JSON object a line, or pretty-printed over several lines
 * as in Kong's documentation. Source: the log format reference
 * https://developer.konghq.com/plugins/file-log/#log-format (sample object and field list) and
 * `kong.response.get_source()` https://developer.konghq.com/gateway/pdk/reference/kong.response/.
 * Layer `gateway`, component `kong`, hop HOP.proxy, observer `{ type: 'api-gateway', vendor:
 * 'Kong', product: 'Kong Gateway' }`.
 *
 * Fields read: `started_at` (epoch **ms**) → @timestamp; `client_ip` → source.ip; `request.id`
 * (= the `X-Kong-Request-Id` header, which Kong also sends upstream) → http.request.id and `xrid:`;
 * `request.method`, `request.url` / `request.uri` → url.*; `request.size`; `request.headers`
 * (user-agent, referer, and the ids of util/header-ids.ts: x-request-id, x-amzn-trace-id,
 * traceparent, cf-ray, x-amz-cf-id); `response.status`, `response.size`, `response.headers`;
 * `source` (`kong` = Kong answered itself, `upstream` = the service answered); `upstream_status`
 * (a list when Kong retried: the last one decides); `route.name`/`id`, `service.name`/`id`,
 * `consumer.username`/`custom_id` → user.name (not user.id: the verdict takes the app's principal),
 * `authenticated_entity.id`. Other top-level keys → `extra_fields`.
 *
 * Decision: `source: upstream` (or an upstream status) → `pass` with `upstream_status`;
 * `source: kong` with a 4xx and no upstream status → `deny` (a plugin or Kong's router refused);
 * without `source` (Kong < 2.x): no upstream status and a refusal status → `deny`. The decisive
 * rule is named only when the record shows it: no route matched (404, no `route`) →
 * `no-route-matched`; 429 with RateLimit headers → `rate-limiting`; 401 with
 * `WWW-Authenticate: Key realm=…` → `key-auth`, `Basic realm=…` → `basic-auth`; ruleset = the
 * route name. Kong does not log which plugin refused otherwise (ACL, ip-restriction, OPA …): the
 * verdict then names the layer and component without a rule.
 */
export const kongFormat: LogFormat = {
  name: 'kong',
  dataset: KONG_DATASET,
  description: 'Kong Gateway logging-plugin JSON (file-log, http-log …; one object a line or pretty-printed)',
  detect(sample: readonly string[]): number {
    const records = sampleRecords(sample.filter((l) => l.trim() !== ''));
    if (records.length === 0) return 0;
    let hits = 0;
    for (const r of records) if (isKongRecord(r)) hits++;
    return hits / records.length;
  },
  createParser(options: ParserOptions): LineParser {
    const assembler = new JsonRecordAssembler();
    return {
      parse(line, lineNo) {
        if (line.trim() === '') return { kind: 'skip' };
        const r = assembler.push(line, lineNo);
        if (r.kind === 'pending') return { kind: 'skip' };
        if (r.kind === 'abandoned') {
          return { kind: 'reject', reason: 'invalid_json', detail: `JSON record from line ${r.firstLine} ${r.why === 'too_long' ? 'too long' : 'never closed'}` };
        }
        return parseKongRecord(r.text, lineNo, options);
      },
    };
  },
};

function isKongRecord(text: string): boolean {
  if (text.charCodeAt(0) !== 0x7b) return false;
  if (!text.includes('"started_at"') && !text.includes('x-kong-')) return false;
  try {
    const o: unknown = JSON.parse(text);
    return isObject(o) && isObject(o.request) && isObject(o.response) && (isObject(o.latencies) || 'upstream_uri' in o);
  } catch {
    // A record cut by the end of the detection sample: Kong's own header names are enough.
    return /"latencies"\s*:\s*\{|"x-kong-(?:request-id|proxy-latency|upstream-latency)"/.test(text) && /"(?:request|response)"\s*:\s*\{/.test(text);
  }
}

/** Reads one whole Kong record (one line, or a pretty-printed object joined with `\n`). Pure. */
export function parseKongRecord(text: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const parsed = parseJsonObject(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
  const o = parsed.value;
  const req = isObject(o.request) ? o.request : undefined;
  const res = isObject(o.response) ? o.response : undefined;
  if (!req || !res) return { kind: 'reject', reason: 'missing_field', detail: 'no request or response object: not a Kong log record' };
  const started = typeof o.started_at === 'number' || typeof o.started_at === 'string' ? parseEpoch(o.started_at) : undefined;
  if (o.started_at === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no started_at' };
  if (!started) return { kind: 'reject', reason: 'invalid_timestamp', detail: `started_at ${String(o.started_at).slice(0, 40)}` };

  const ipRaw = text1(o.client_ip);
  const ip = normalizeIp(ipRaw);
  if (ipRaw !== undefined && ip === undefined) return { kind: 'reject', reason: 'invalid_ip', detail: `client_ip ${ipRaw.slice(0, 64)}` };

  const reqH = headerReader(req.headers);
  const resH = headerReader(res.headers);
  const status = statusField(text1(res.status));
  const source = text1(o.source)?.toLowerCase();
  const upstream = o.upstream_status === undefined ? undefined : finalUpstreamStatus(text1(o.upstream_status) ?? '-');
  const route = isObject(o.route) ? o.route : undefined;
  const service = isObject(o.service) ? o.service : undefined;
  const consumer = isObject(o.consumer) ? o.consumer : undefined;
  const routeName = text1(route?.name) ?? text1(route?.id);
  const v = kongVerdict(status, source, upstream ?? undefined, route !== undefined, resH, routeName);

  const { url, method } = requestUrl(req);
  const ua = reqH('user-agent');
  const requestId = text1(req.id) ?? resH('x-kong-request-id');
  const consumerName = text1(consumer?.username) ?? text1(consumer?.custom_id);
  const evidence = [
    source && `source=${source}`,
    routeName && `route=${routeName}`,
    (text1(service?.name) ?? text1(service?.id)) && `service=${text1(service?.name) ?? text1(service?.id)}`,
    consumerName && `consumer=${consumerName}`,
    `upstream_status=${text1(o.upstream_status) ?? '-'}`,
  ].filter(Boolean).join(' ');
  const w3c = w3cTraceIdOf(reqH);

  const event: DenyEvent = compact({
    '@timestamp': isoFromMs(started.ms),
    event: compact({
      dataset: KONG_DATASET,
      id: '',
      action: v.decision === 'deny' ? 'deny' : v.decision === 'pass' ? 'allow' : undefined,
      outcome: v.decision === 'deny' ? ('failure' as const) : v.decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(text),
    }),
    observer: { type: 'api-gateway', vendor: 'Kong', product: 'Kong Gateway' },
    http: compact({
      request: compact({ id: requestId, method, referrer: present(reqH('referer')), bytes: intField(text1(req.size)) }),
      response: compact({ status_code: status, bytes: intField(text1(res.size)) }),
    }),
    url: compact({ scheme: url.scheme, domain: url.domain, port: url.port, path: url.path, query: url.query }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: consumerName ? { name: consumerName } : undefined,
    rule: v.rule,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'kong',
      hop: HOP.proxy,
      decision: v.decision,
      upstream_status: v.decision === 'pass' ? upstream ?? undefined : v.decision === 'deny' ? null : undefined,
      correlation_ids: uniqueIds([isPlaceholderId(requestId) ? undefined : cid('xrid', requestId), ...headerCorrelationIds(reqH)]),
      rule_type: v.rule ? 'plugin' : undefined,
      evidence,
      extra_fields: unknownJsonFields(o, KNOWN_KEYS),
      match_key: matchKey(method, url.path, url.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, text) };
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'request', 'response', 'route', 'service', 'consumer', 'authenticated_entity', 'client_ip', 'started_at', 'source',
  'upstream_status', 'upstream_uri', 'latencies', 'tries', 'workspace', 'workspace_name', 'workspaces', 'api',
]);

/** Headers the rate-limiting plugins add (https://developer.konghq.com/plugins/rate-limiting/). */
const RATE_LIMIT_HEADERS = ['ratelimit-remaining', 'x-ratelimit-remaining-second', 'x-ratelimit-remaining-minute', 'x-ratelimit-remaining-hour', 'x-ratelimit-remaining-day'];

interface KongVerdict {
  decision: Decision;
  rule?: DenyEvent['rule'];
}

/** Kong's own part in the response (rules in {@link kongFormat}'s docstring). */
export function kongVerdict(status: number | undefined, source: string | undefined, upstream: number | null | undefined, hasRoute: boolean, resH: (n: string) => string | undefined, routeName: string | undefined): KongVerdict {
  if (source === 'upstream' || (upstream !== undefined && upstream !== null)) return { decision: 'pass' };
  const is4xx = status !== undefined && status >= 400 && status < 500;
  const refused = source === 'kong' ? is4xx : status !== undefined && REFUSAL_STATUSES.has(status);
  if (!refused) return { decision: status !== undefined && status < 400 ? 'pass' : 'unknown' };
  const rule = (id: string, name: string): DenyEvent['rule'] => compact({ id, name, ruleset: routeName });
  if (status === 404 && !hasRoute) return { decision: 'deny', rule: rule('no-route-matched', 'Kong router: no route matched the request') };
  if (status === 429 && RATE_LIMIT_HEADERS.some((h) => resH(h) !== undefined)) {
    return { decision: 'deny', rule: rule('rate-limiting', 'rate-limiting plugin (RateLimit headers on the 429)') };
  }
  const auth = resH('www-authenticate');
  if (status === 401 && auth) {
    if (/^Key\b/i.test(auth)) return { decision: 'deny', rule: rule('key-auth', 'key-auth plugin (WWW-Authenticate: Key)') };
    if (/^Basic\b/i.test(auth)) return { decision: 'deny', rule: rule('basic-auth', 'basic-auth plugin (WWW-Authenticate: Basic)') };
  }
  return { decision: 'deny' };
}

function requestUrl(req: JsonObject): { url: { scheme?: string; domain?: string; port?: number; path?: string; query?: string }; method?: string } {
  const method = text1(req.method);
  const full = text1(req.url);
  if (full) {
    try {
      const u = new URL(full);
      const q = text1(req.uri) ? splitTarget(text1(req.uri)!).query : u.search.slice(1) || undefined;
      return { method, url: { scheme: u.protocol.replace(/:$/, ''), domain: u.hostname.replace(/^\[|\]$/g, '') || undefined, port: u.port ? Number(u.port) : undefined, path: text1(req.uri) ? splitTarget(text1(req.uri)!).path : u.pathname, query: q } };
    } catch {
      /* fall through to uri */
    }
  }
  const t = text1(req.uri) ? splitTarget(text1(req.uri)!) : {};
  return { method, url: { path: t.path, query: t.query } };
}

function text1(v: unknown): string | undefined {
  return present(asText(v)?.trim());
}
