import { HOP, REFUSAL_STATUSES, traceCorrelationIds, uniqueIds, deferEventId, type Decision, type DenyEvent, type NonDecisiveMatch } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, httpVersion, matchKey, original } from './util/fields';
import { normalizeIp, splitHostPort } from './util/ip';
import { extraFields, num, obj, parseRecord, str, strings, type JsonObject } from './util/json-record';
import { parseIsoTime } from './util/time-parse';
import { portOf, splitTarget } from './util/url-request';

/** `event.dataset` of GCP load balancer request logs (the Elastic `gcp` integration's name). */
export const GCP_LB_DATASET = 'gcp.loadbalancing_logs';

/**
 * Google Cloud external Application Load Balancer request logs, with Cloud Armor's per-request
 * fields: Cloud Logging `LogEntry` JSON, one a line or pretty-printed one after another.
 * Sources: https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring (request log
 * fields), https://cloud.google.com/armor/docs/request-logging (Cloud Armor fields),
 * https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry (`trace`, `httpRequest`).
 *
 * Fields read: `timestamp` (RFC 3339 ns → UTC ms), `httpRequest` {`requestMethod`, `requestUrl`
 * (→ url.scheme/domain/port/path/query), `status`, `userAgent`, `remoteIp` (`ip` or `ip:port`),
 * `serverIp`, `referer`, `protocol`, `requestSize`, `responseSize`}, `trace`
 * (`projects/<p>/traces/<32 hex>` → `trace:`; the load balancer sends it to the backend in
 * `X-Cloud-Trace-Context`), `jsonPayload` {`statusDetails`, `enforcedSecurityPolicy`,
 * `enforcedEdgeSecurityPolicy`, `previewSecurityPolicy` — each {`name`, `priority`,
 * `configuredAction`, `outcome`, `preconfiguredExprIds`, `rateLimitAction`} —,
 * `securityPolicyRequestData.remoteIpInfo` {`regionCode` → country, `asn`}}, `resource.labels`
 * (`forwarding_rule_name`, `url_map_name`, `backend_service_name`). Other jsonPayload and top-level
 * fields → extra_fields.
 *
 * Decision: a Cloud Armor policy with `outcome` DENY, or `statusDetails`
 * `denied_by_security_policy` / `body_denied_by_security_policy` → `deny` by Cloud Armor: layer
 * `waf`, component `cloud-armor`, hop regional WAF (edge WAF for an edge security policy);
 * `redirected_by_security_policy` (reCAPTCHA or 302 rule) → `deny`, action `challenge`. The decisive
 * rule is the policy's rule: rule.id = its priority, rule.ruleset = the policy name, rule.name = the
 * matched preconfigured expression ids (`owasp-crs-v030001-id930110-lfi`), else `priority <n>`;
 * rule_type = configuredAction. A preview-mode policy match is non-decisive. Any other record is
 * the load balancer's (layer `gateway`, component `gcp-load-balancer`): `response_sent_by_backend`
 * → `pass` with upstream_status = status; `response_from_cache` → `pass`; another refusal status
 * sent by the load balancer itself → `deny`; else `pass` under 400, `unknown` otherwise.
 */
export const gcpArmorFormat: LogFormat = {
  name: 'gcp-lb-armor',
  dataset: GCP_LB_DATASET,
  description: 'Google Cloud load balancer request logs with Cloud Armor (LogEntry JSON)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (l.includes('"httpRequest"') && l.includes('"jsonPayload"') && (l.includes('LoadBalancerLogEntry') || l.includes('"http_load_balancer"') || l.includes('"enforcedSecurityPolicy"') || l.includes('/logs/requests'))) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseGcpLine(line, lineNo, options) };
  },
};

const DENY_DETAILS: ReadonlySet<string> = new Set(['denied_by_security_policy', 'body_denied_by_security_policy']);
const MAPPED_TOP: ReadonlySet<string> = new Set(['timestamp', 'httpRequest', 'jsonPayload', 'trace', 'resource']);
const MAPPED_PAYLOAD: ReadonlySet<string> = new Set(['@type', 'statusDetails', 'enforcedSecurityPolicy', 'enforcedEdgeSecurityPolicy', 'previewSecurityPolicy', 'securityPolicyRequestData', 'remoteIp']);

interface PolicyMatch {
  policy: JsonObject;
  edge: boolean;
}

/** Parses one LogEntry. Pure. Rejects: not JSON → `invalid_json`; no httpRequest → `missing_field`; bad timestamp → `invalid_timestamp`; bad remoteIp → `invalid_ip`. */
export function parseGcpLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const parsed = parseRecord(line);
  if (!parsed.ok) return parsed.outcome;
  const rec = parsed.value;
  const req = rec.httpRequest;
  if (typeof req !== 'object' || req === null) return { kind: 'reject', reason: 'missing_field', detail: 'no httpRequest: not a load balancer request log entry' };
  const r = obj(req);
  const tsRaw = str(rec.timestamp);
  const time = tsRaw ? parseIsoTime(tsRaw) : undefined;
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `timestamp ${String(tsRaw).slice(0, 40)}` };
  const remote = splitHostPort(str(r.remoteIp));
  const ip = normalizeIp(remote?.host);
  if (remote && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `httpRequest.remoteIp ${String(r.remoteIp).slice(0, 80)}` };
  const server = splitHostPort(str(r.serverIp));

  const payload = obj(rec.jsonPayload);
  const details = str(payload.statusDetails);
  const status = num(r.status);
  const enforced: PolicyMatch[] = [
    { policy: obj(payload.enforcedEdgeSecurityPolicy), edge: true },
    { policy: obj(payload.enforcedSecurityPolicy), edge: false },
  ].filter((p) => str(p.policy.name) !== undefined || str(p.policy.outcome) !== undefined);
  const denying = enforced.find((p) => str(p.policy.outcome)?.toUpperCase() === 'DENY');
  const armorDeny = denying ?? (details && (DENY_DETAILS.has(details) || details === 'redirected_by_security_policy') ? enforced[enforced.length - 1] ?? { policy: {}, edge: false } : undefined);
  const challenge = details === 'redirected_by_security_policy';

  let decision: Decision;
  let upstream: number | null | undefined;
  if (armorDeny) {
    decision = 'deny';
    upstream = null;
  } else if (details === 'response_sent_by_backend') {
    decision = 'pass';
    upstream = status;
  } else if (details === 'response_from_cache' || details?.startsWith('response_from_cache')) decision = 'pass';
  else if (status !== undefined && REFUSAL_STATUSES.has(status)) {
    decision = 'deny';
    upstream = null;
  } else decision = status !== undefined && status < 400 ? 'pass' : 'unknown';

  let rule: DenyEvent['rule'];
  let ruleType: string | undefined;
  if (armorDeny) {
    const p = armorDeny.policy;
    const priority = str(p.priority);
    const exprs = strings(p.preconfiguredExprIds);
    rule = compact({ id: priority ?? details, name: exprs.length ? exprs.join(', ') : priority ? `priority ${priority}` : details, ruleset: str(p.name) });
    ruleType = str(p.configuredAction);
  }
  const nonDecisive: NonDecisiveMatch[] = [];
  const preview = obj(payload.previewSecurityPolicy);
  if (str(preview.priority) && str(preview.outcome)?.toUpperCase() === 'DENY') {
    nonDecisive.push(compact({ id: str(preview.priority)!, ruleset: str(preview.name), action: str(preview.configuredAction)?.toLowerCase() ?? 'deny', effective: false as const }));
  }

  const url = splitTarget(str(r.requestUrl) ?? '');
  const host = /^https?:\/\/([^/?#]*)/i.exec(str(r.requestUrl) ?? '')?.[1];
  const labels = obj(obj(rec.resource).labels);
  const remoteInfo = obj(obj(payload.securityPolicyRequestData).remoteIpInfo);
  const country = str(remoteInfo.regionCode);
  const asn = num(remoteInfo.asn);
  const method = str(r.requestMethod);
  const ua = str(r.userAgent);
  const traceHex = /\/traces\/([0-9a-fA-F]{32})$/.exec(str(rec.trace) ?? '')?.[1]?.toLowerCase();
  const layer = armorDeny ? ('waf' as const) : ('gateway' as const);
  const extra = extraFields(payload, MAPPED_PAYLOAD, 'jsonPayload.', extraFields(rec, MAPPED_TOP) ?? {});
  const evidence = [
    details ? `statusDetails ${details}` : undefined,
    armorDeny ? `Cloud Armor ${armorDeny.edge ? 'edge ' : ''}policy ${str(armorDeny.policy.name) ?? '?'} priority ${str(armorDeny.policy.priority) ?? '?'} outcome ${str(armorDeny.policy.outcome) ?? '?'} configuredAction ${str(armorDeny.policy.configuredAction) ?? '?'}` : undefined,
  ].filter(Boolean).join('; ');

  const event: DenyEvent = compact({
    '@timestamp': new Date(time.ms).toISOString(),
    event: compact({
      dataset: GCP_LB_DATASET,
      id: '',
      action: armorDeny ? (challenge ? 'challenge' : 'deny') : decision === 'deny' ? 'deny' : undefined,
      outcome: decision === 'deny' ? ('failure' as const) : decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(line),
    }),
    observer: armorDeny
      ? compact({ type: 'waf', vendor: 'Google', product: 'Cloud Armor', name: str(armorDeny.policy.name) })
      : compact({ type: 'load-balancer', vendor: 'Google', product: 'Cloud Load Balancing', name: str(labels.forwarding_rule_name) ?? str(labels.url_map_name) }),
    http: compact({
      request: compact({ method, referrer: str(r.referer), bytes: num(r.requestSize) }),
      response: compact({ status_code: status, bytes: num(r.responseSize) }),
      version: httpVersion(str(r.protocol)),
    }),
    url: compact({ scheme: url.scheme, domain: url.domain, port: host ? portOf(host) : undefined, path: url.path, query: url.query }),
    source: ip || country
      ? compact({ ip, port: remote?.port, geo: country ? { country_iso_code: country.toUpperCase() } : undefined, as: asn !== undefined ? { number: asn } : undefined })
      : undefined,
    destination: normalizeIp(server?.host) ? compact({ ip: normalizeIp(server?.host), port: server?.port }) : undefined,
    user_agent: ua ? { original: ua } : undefined,
    trace: traceHex ? { id: traceHex } : undefined,
    rule,
    denytrace: compact({
      layer,
      component: armorDeny ? 'cloud-armor' : 'gcp-load-balancer',
      hop: armorDeny ? (armorDeny.edge ? HOP.edgeWaf : HOP.regionalWaf) : HOP.loadBalancer,
      decision,
      upstream_status: upstream,
      correlation_ids: uniqueIds(traceCorrelationIds(traceHex)),
      rule_type: ruleType,
      non_decisive: nonDecisive.length ? nonDecisive : undefined,
      evidence: evidence || undefined,
      extra_fields: extra,
      match_key: matchKey(method, url.path, url.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, line) };
}
