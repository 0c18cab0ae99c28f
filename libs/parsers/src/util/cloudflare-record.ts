import { cfRayId, cid, HOP, REFUSAL_STATUSES, traceCorrelationIds, uniqueIds, deferEventId, type Decision, type DenyEvent, type NonDecisiveMatch } from '@denytrace/schema';
import type { ParseOutcome, ParserOptions } from '../parser';
import { compact, httpVersion, matchKey, original } from './fields';
import { normalizeIp } from './ip';
import { extraFields, num, obj, parseRecord, str, strings, type JsonObject } from './json-record';
import { parseTimeAnyUnit } from './time-parse';

/**
 * One Cloudflare Logpush record (`firewall_events` or `http_requests`) into an event. Shared by
 * cloudflare-firewall.parser.ts and cloudflare-http.parser.ts; the record's own fields say which
 * shape it is (a `firewall_events` record has `Action`), so a file of one dataset with a record of
 * the other (corpus cloudflare-firewall record 4) reads either way.
 *
 * Field references: https://developers.cloudflare.com/logs/reference/log-fields/zone/firewall_events/
 * and https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/ (security
 * fields: https://developers.cloudflare.com/logs/reference/change-notices/2023-02-01-security-fields-updates/).
 */

/** Security actions that refuse the request (firewall_events `Action`, http_requests `SecurityAction(s)`, `WAFAction`, `FirewallMatchesActions`), lower-cased. */
const REFUSING: ReadonlySet<string> = new Set([
  'block', 'challenge', 'jschallenge', 'managedchallenge', 'connectionclose', 'forceconnectionclose', 'drop',
  'challengefailed', 'jschallengefailed', 'managedchallengefailed',
]);
/** Actions that only record a match (would-have-acted): non-decisive, like count mode. */
const LOGGING: ReadonlySet<string> = new Set(['log', 'simulate']);
/** Cache statuses of a response served from the edge cache (the origin answered earlier). */
const CACHE_SERVED: ReadonlySet<string> = new Set(['hit', 'stale', 'updating', 'revalidated', 'stream_hit']);

/** Top-level fields read into ECS places; every other non-empty field goes to extra_fields. */
const MAPPED: ReadonlySet<string> = new Set([
  'Action', 'ClientASN', 'ClientASNDescription', 'ClientCountry', 'ClientIP', 'ClientRegionCode', 'ClientRequestHost', 'ClientRequestMethod',
  'ClientRequestPath', 'ClientRequestProtocol', 'ClientRequestQuery', 'ClientRequestReferer', 'ClientRequestScheme', 'ClientRequestURI',
  'ClientRequestUserAgent', 'ClientSrcPort', 'Datetime', 'Description', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'EdgeEndTimestamp',
  'OriginResponseStatus', 'RayID', 'ParentRayID', 'OriginatorRayID', 'RuleID', 'Source', 'ZoneName', 'ClientSSLProtocol', 'ClientSSLCipher',
  'SecurityAction', 'SecurityActions', 'SecurityRuleID', 'SecurityRuleIDs', 'SecuritySources', 'SecurityRuleDescription',
  'WAFAction', 'WAFRuleID', 'WAFRuleMessage', 'FirewallMatchesActions', 'FirewallMatchesRuleIDs', 'FirewallMatchesSources',
  'RequestHeaders', 'CacheCacheStatus', 'EdgeResponseBytes', 'ClientRequestBytes',
]);

/** The decisive security match of a record, and the matches that did not decide. */
interface SecurityView {
  action?: string;
  ruleId?: string;
  source?: string;
  description?: string;
  nonDecisive: NonDecisiveMatch[];
}

/**
 * Parses one record. `dataset` is the format's; `kind` only names the format in reject details.
 * Rejects: not a JSON object → `invalid_json`; no `RayID` and no `ClientRequestHost` → `missing_field`
 * (not a Cloudflare request record); no readable `Datetime` / `EdgeStartTimestamp` → `invalid_timestamp`;
 * a `ClientIP` that is not an address → `invalid_ip`.
 */
export function parseCloudflareLine(line: string, lineNo: number, options: ParserOptions, dataset: string): ParseOutcome {
  const parsed = parseRecord(line);
  if (!parsed.ok) return parsed.outcome;
  const rec = parsed.value;
  const ray = str(rec.RayID);
  if (!ray && !str(rec.ClientRequestHost)) return { kind: 'reject', reason: 'missing_field', detail: 'no RayID or ClientRequestHost: not a Cloudflare Logpush request record' };
  const tsRaw = rec.Datetime ?? rec.EdgeStartTimestamp ?? rec.EdgeEndTimestamp;
  const ms = parseTimeAnyUnit(tsRaw);
  if (ms === undefined) return { kind: 'reject', reason: 'invalid_timestamp', detail: `Datetime/EdgeStartTimestamp ${String(tsRaw).slice(0, 40)}` };
  const ipRaw = str(rec.ClientIP);
  const ip = normalizeIp(ipRaw);
  if (ipRaw && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `ClientIP ${ipRaw.slice(0, 80)}` };

  const status = num(rec.EdgeResponseStatus);
  const originStatus = num(rec.OriginResponseStatus);
  const isFirewallEvent = str(rec.Action) !== undefined;
  const sec = isFirewallEvent ? firewallEventView(rec) : httpRequestView(rec);
  const act = sec.action?.toLowerCase();
  const cache = str(rec.CacheCacheStatus)?.toLowerCase();

  // Layer split: a refusing security action is the WAF's (edge WAF, before the cache); any other
  // record is the CDN's, which refused itself only when it answered a refusal status without the origin.
  let decision: Decision;
  let upstream: number | null | undefined;
  let why: string | undefined;
  const refusedBySecurity = act !== undefined && REFUSING.has(act);
  if (refusedBySecurity) {
    decision = 'deny';
    upstream = null;
  } else if (isFirewallEvent) {
    decision = act === 'unknown' ? 'unknown' : 'pass';
    upstream = originStatus && originStatus > 0 ? originStatus : undefined;
  } else if (originStatus !== undefined && originStatus > 0) {
    decision = 'pass';
    upstream = originStatus;
  } else if (cache && CACHE_SERVED.has(cache)) {
    decision = 'pass';
    why = `served from the edge cache (CacheCacheStatus ${cache})`;
  } else if (status !== undefined && REFUSAL_STATUSES.has(status)) {
    decision = 'deny';
    upstream = null;
    why = `EdgeResponseStatus ${status} with OriginResponseStatus 0: answered at the edge, the origin was not contacted`;
  } else decision = status !== undefined && status < 400 ? 'pass' : 'unknown';
  const layer = refusedBySecurity || isFirewallEvent ? ('waf' as const) : ('cdn' as const);

  const path = str(rec.ClientRequestPath) ?? str(rec.ClientRequestURI)?.split('?')[0];
  const queryRaw = str(rec.ClientRequestQuery) ?? (str(rec.ClientRequestURI)?.includes('?') ? str(rec.ClientRequestURI)!.slice(str(rec.ClientRequestURI)!.indexOf('?') + 1) : undefined);
  const query = queryRaw?.startsWith('?') ? queryRaw.slice(1) || undefined : queryRaw;
  const method = str(rec.ClientRequestMethod);
  const ua = str(rec.ClientRequestUserAgent);
  const headers = obj(rec.RequestHeaders);
  const header = (name: string): string | undefined => str(headers[name]) ?? str(headers[name.toLowerCase()]);
  const parent = str(rec.ParentRayID) ?? str(rec.OriginatorRayID);
  const ids = [
    cid('cfray', cfRayId(ray)),
    parent && parent !== '00' ? cid('cfray', cfRayId(parent)) : undefined,
    cid('xrid', header('x-request-id')),
    ...traceCorrelationIds(header('traceparent')),
    ...traceCorrelationIds(header('x-amzn-trace-id')),
  ];
  const country = str(rec.ClientCountry);
  const evidence = [
    sec.action ? `${isFirewallEvent ? 'Action' : 'security action'} ${sec.action}` : undefined,
    sec.source ? `source ${sec.source}` : undefined,
    sec.ruleId ? `rule ${sec.ruleId}` : undefined,
    `EdgeResponseStatus ${status ?? '-'} OriginResponseStatus ${originStatus ?? '-'}`,
    why,
  ].filter(Boolean).join('; ');
  const rule = refusedBySecurity || (isFirewallEvent && sec.ruleId)
    ? compact({ id: sec.ruleId ?? sec.source, name: sec.description ?? sec.ruleId ?? sec.source, ruleset: sec.source })
    : undefined;

  const event: DenyEvent = compact({
    '@timestamp': new Date(ms).toISOString(),
    event: compact({
      dataset,
      id: '',
      action: sec.action?.toLowerCase() ?? (decision === 'deny' ? 'deny' : undefined),
      outcome: decision === 'deny' ? ('failure' as const) : decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(line),
    }),
    observer: compact({ type: layer, vendor: 'Cloudflare', product: layer === 'waf' ? 'Cloudflare WAF' : 'Cloudflare', name: str(rec.ZoneName) ?? str(rec.ClientRequestHost) }),
    http: compact({
      request: compact({ id: ray, method, referrer: str(rec.ClientRequestReferer), bytes: num(rec.ClientRequestBytes) }),
      response: compact({ status_code: status && status >= 100 ? status : undefined, bytes: num(rec.EdgeResponseBytes) }),
      version: httpVersion(str(rec.ClientRequestProtocol)),
    }),
    url: compact({ scheme: str(rec.ClientRequestScheme), domain: str(rec.ClientRequestHost), path, query }),
    source: ip || country
      ? compact({
          ip,
          port: num(rec.ClientSrcPort),
          geo: country ? compact({ country_iso_code: country.toUpperCase(), region_iso_code: str(rec.ClientRegionCode) }) : undefined,
          as: num(rec.ClientASN) !== undefined ? compact({ number: num(rec.ClientASN), organization: str(rec.ClientASNDescription) ? { name: str(rec.ClientASNDescription) } : undefined }) : undefined,
        })
      : undefined,
    user_agent: ua !== undefined ? { original: ua } : undefined,
    tls: compact({ version: str(rec.ClientSSLProtocol), cipher: str(rec.ClientSSLCipher) }),
    rule,
    denytrace: compact({
      layer,
      component: 'cloudflare',
      hop: layer === 'waf' ? HOP.edgeWaf : HOP.cdn,
      decision,
      upstream_status: upstream,
      correlation_ids: uniqueIds(ids),
      rule_type: sec.source,
      non_decisive: sec.nonDecisive.length ? sec.nonDecisive : undefined,
      evidence,
      extra_fields: extraFields(rec, MAPPED),
      match_key: matchKey(method, path, query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, line) };
}

/** firewall_events: one rule match; `Action` `log` is a non-decisive match. */
function firewallEventView(rec: JsonObject): SecurityView {
  const action = str(rec.Action)!;
  const ruleId = str(rec.RuleID);
  const source = str(rec.Source);
  const nonDecisive: NonDecisiveMatch[] = [];
  if (LOGGING.has(action.toLowerCase()) && ruleId) nonDecisive.push(compact({ id: ruleId, ruleset: source, action: 'log', effective: false as const }));
  return { action, ruleId, source, description: str(rec.Description), nonDecisive };
}

/**
 * http_requests: the terminating security action (`SecurityAction` + `SecurityRuleID`, its source
 * from the parallel `SecurityActions`/`SecurityRuleIDs`/`SecuritySources` arrays), else the older
 * `WAFAction`/`WAFRuleID` and `FirewallMatchesActions`/`RuleIDs`/`Sources`. Matches that did not
 * refuse (log, skip …) are kept as non-decisive when they are `log`/`simulate`.
 */
function httpRequestView(rec: JsonObject): SecurityView {
  const nonDecisive: NonDecisiveMatch[] = [];
  const actions = strings(rec.SecurityActions);
  const ruleIds = strings(rec.SecurityRuleIDs);
  const sources = strings(rec.SecuritySources);
  const fwActions = strings(rec.FirewallMatchesActions);
  const fwRules = strings(rec.FirewallMatchesRuleIDs);
  const fwSources = strings(rec.FirewallMatchesSources);
  const collect = (acts: string[], rules: string[], srcs: string[]): void => {
    acts.forEach((a, i) => {
      if (LOGGING.has(a.toLowerCase()) && rules[i]) nonDecisive.push(compact({ id: rules[i], ruleset: srcs[i], action: 'log', effective: false as const }));
    });
  };
  collect(actions, ruleIds, sources);
  collect(fwActions, fwRules, fwSources);

  const secAction = str(rec.SecurityAction);
  if (secAction && secAction.toLowerCase() !== 'unknown') {
    const ruleId = str(rec.SecurityRuleID);
    const i = ruleId ? ruleIds.indexOf(ruleId) : actions.findIndex((a) => a === secAction);
    return { action: secAction, ruleId, source: i >= 0 ? sources[i] : undefined, description: str(rec.SecurityRuleDescription), nonDecisive };
  }
  const refusing = (acts: string[]): number => acts.findIndex((a) => REFUSING.has(a.toLowerCase()));
  const si = refusing(actions);
  if (si >= 0) return { action: actions[si], ruleId: ruleIds[si], source: sources[si], nonDecisive };
  const waf = str(rec.WAFAction);
  if (waf && waf.toLowerCase() !== 'unknown') {
    const ruleId = str(rec.WAFRuleID);
    const fi = ruleId ? fwRules.indexOf(ruleId) : -1;
    return { action: waf, ruleId, source: fi >= 0 ? fwSources[fi] : 'waf', description: str(rec.WAFRuleMessage), nonDecisive };
  }
  const fi = refusing(fwActions);
  if (fi >= 0) return { action: fwActions[fi], ruleId: fwRules[fi], source: fwSources[fi], nonDecisive };
  return { nonDecisive };
}
