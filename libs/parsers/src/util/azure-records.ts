import { cid, HOP, uniqueIds, deferEventId, type Decision, type DenyEvent, type NonDecisiveMatch } from '@denytrace/schema';
import type { ParseOutcome, ParserOptions } from '../parser';
import { compact, httpVersion, matchKey, original } from './fields';
import { normalizeIp } from './ip';
import { extraFields, num, obj, parseRecord, str, type JsonObject } from './json-record';
import { parseIsoTime } from './time-parse';
import { portOf, splitTarget } from './url-request';

/**
 * Azure resource logs (diagnostic settings JSON: `time`, `category`, `operationName`, `resourceId`,
 * `properties`; schema https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs-schema)
 * of Front Door and Application Gateway, read by category, whichever format a file was detected as
 * (Event Hub captures and storage exports may mix categories):
 * - `FrontDoorWebApplicationFirewallLog` / `FrontdoorWebApplicationFirewallLog` — Front Door WAF,
 *   https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-monitor
 * - `ApplicationGatewayFirewallLog` — Application Gateway WAF,
 *   https://learn.microsoft.com/azure/application-gateway/application-gateway-diagnostics#firewall-log
 * - `FrontDoorAccessLog` / `FrontdoorAccessLog` — Front Door access log,
 *   https://learn.microsoft.com/azure/frontdoor/monitor-front-door#access-log
 */

export const AZURE_FD_WAF_DATASET = 'azure_frontdoor.waf';
export const AZURE_FD_ACCESS_DATASET = 'azure_frontdoor.access';
export const AZURE_APPGW_DATASET = 'azure.application_gateway';

/** Which builder reads a category (lower-cased). */
const CATEGORY: Readonly<Record<string, 'fdwaf' | 'fdaccess' | 'agwwaf'>> = {
  frontdoorwebapplicationfirewalllog: 'fdwaf',
  frontdooraccesslog: 'fdaccess',
  applicationgatewayfirewalllog: 'agwwaf',
};

/** True when a line looks like a record of one of `kinds` (cheap text test for `detect`). */
export function azureCategoryOf(line: string): 'fdwaf' | 'fdaccess' | 'agwwaf' | undefined {
  const m = /"category"\s*:\s*"([A-Za-z]+)"/.exec(line);
  return m ? CATEGORY[m[1].toLowerCase()] : undefined;
}

/**
 * Parses one Azure resource-log record of a category above. Rejects: not JSON → `invalid_json`;
 * another category → `no_match` (detail names it); no readable `time` → `invalid_timestamp`.
 */
export function parseAzureLine(line: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const parsed = parseRecord(line);
  if (!parsed.ok) return parsed.outcome;
  const rec = parsed.value;
  const category = str(rec.category) ?? str(rec.Category);
  const kind = category ? CATEGORY[category.toLowerCase()] : undefined;
  if (!kind) return { kind: 'reject', reason: 'no_match', detail: `Azure resource log category ${String(category).slice(0, 60)} is not a Front Door or Application Gateway WAF/access log` };
  const p = obj(rec.properties);
  const tsRaw = str(rec.time) ?? str(rec.timeStamp) ?? str(p.timeStamp) ?? str(p.timestamp);
  const time = tsRaw ? parseIsoTime(tsRaw) : undefined;
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `time ${String(tsRaw).slice(0, 40)}` };
  const ctx: Ctx = { rec, p, ts: new Date(time.ms).toISOString(), line, lineNo, options, resource: resourceName(str(rec.resourceId)) };
  const built = kind === 'fdwaf' ? frontDoorWaf(ctx) : kind === 'agwwaf' ? appGatewayWaf(ctx) : frontDoorAccess(ctx);
  if ('reject' in built) return { kind: 'reject', reason: 'invalid_ip', detail: built.reject };
  return { kind: 'event', event: deferEventId(built, line) };
}

interface Ctx {
  rec: JsonObject;
  p: JsonObject;
  ts: string;
  line: string;
  lineNo: number;
  options: ParserOptions;
  resource?: string;
}

const ENVELOPE: ReadonlySet<string> = new Set(['time', 'timeStamp', 'category', 'Category', 'properties', 'operationName', 'resourceId']);
const REFUSING_FD: ReadonlySet<string> = new Set(['block', 'redirect', 'jschallenge', 'captcha']);

/** `/SUBSCRIPTIONS/…/FRONTDOORS/TESTCLOUD` → `TESTCLOUD` (the resource's name). */
function resourceName(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const parts = id.split('/').filter(Boolean);
  return parts[parts.length - 1];
}

/** Front Door WAF: `action` Block/Redirect/JSChallenge refuse unless the policy is in detection mode; Log/AnomalyScoring never decide. */
function frontDoorWaf(c: Ctx): DenyEvent | { reject: string } {
  const { p } = c;
  const ipRaw = str(p.clientIP) ?? str(p.clientIp);
  const ip = normalizeIp(ipRaw);
  if (ipRaw && !ip) return { reject: `properties.clientIP ${ipRaw.slice(0, 80)}` };
  const action = str(p.action) ?? 'unknown';
  const act = action.toLowerCase();
  const mode = str(p.policyMode)?.toLowerCase();
  const detection = mode === 'detection';
  const refuses = REFUSING_FD.has(act) && !detection;
  const decision: Decision = refuses ? 'deny' : act === 'unknown' ? 'unknown' : 'pass';
  const ruleName = str(p.ruleName);
  const policy = str(p.policy);
  const details = obj(p.details);
  const nonDecisive: NonDecisiveMatch[] = [];
  if (!refuses && ruleName && act !== 'allow') nonDecisive.push(compact({ id: ruleName, ruleset: policy, action: act, effective: false as const }));
  const url = splitTarget(str(p.requestUri) ?? '');
  const host = str(p.host);
  const matches = Array.isArray(details.matches) ? details.matches.map(obj).map((m) => str(m.matchVariableName)).filter(Boolean) : [];
  const evidence = [
    `action ${action}`,
    `policyMode ${mode ?? '?'}`,
    detection && REFUSING_FD.has(act) ? 'detection mode: logged what it would have done, the request went through' : undefined,
    str(details.msg),
    matches.length ? `matched ${matches.slice(0, 4).join(', ')}` : undefined,
  ].filter(Boolean).join('; ');
  return compact({
    '@timestamp': c.ts,
    event: compact({ dataset: AZURE_FD_WAF_DATASET, id: '', action: act, outcome: outcome(decision), original: original(c.line) }),
    observer: compact({ type: 'waf', vendor: 'Microsoft', product: 'Azure Front Door WAF', name: policy ?? c.resource }),
    http: refuses && act === 'block' ? { response: { status_code: 403 } } : undefined,
    url: compact({ scheme: url.scheme, domain: host ?? url.domain, port: portOfUri(str(p.requestUri)), path: url.path, query: url.query }),
    source: ip ? compact({ ip, port: num(p.clientPort) }) : undefined,
    rule: ruleName ? compact({ id: ruleName, name: str(details.msg) ?? ruleName, ruleset: policy }) : undefined,
    denytrace: compact({
      layer: 'waf' as const,
      component: 'azure-waf',
      hop: HOP.edgeWaf,
      decision,
      upstream_status: refuses ? null : undefined,
      correlation_ids: uniqueIds([cid('azref', str(p.trackingReference))]),
      rule_type: ruleName?.startsWith('DefaultRuleSet') || ruleName?.startsWith('Microsoft_') || ruleName?.startsWith('BotManager') ? 'managed' : ruleName ? 'custom' : undefined,
      non_decisive: nonDecisive.length ? nonDecisive : undefined,
      evidence,
      extra_fields: extras(c, ['action', 'clientIP', 'clientIp', 'clientPort', 'host', 'policy', 'policyMode', 'requestUri', 'ruleName', 'trackingReference', 'details']),
      match_key: matchKey(undefined, url.path, url.query, undefined),
      source_file: c.options.sourceName,
      line: c.lineNo,
    }),
  });
}

/**
 * Application Gateway WAF (CRS anomaly scoring): `action` Blocked refuses (the rule logged with it —
 * 949110 "Inbound Anomaly Score Exceeded", or a custom rule — decides); Matched and Detected
 * (detection mode) are non-decisive; Allowed passes. `transactionId` → `agwtx:`.
 */
function appGatewayWaf(c: Ctx): DenyEvent | { reject: string } {
  const { p } = c;
  const ipRaw = str(p.clientIp) ?? str(p.clientIP);
  const ip = normalizeIp(ipRaw);
  if (ipRaw && !ip) return { reject: `properties.clientIp ${ipRaw.slice(0, 80)}` };
  const action = str(p.action) ?? 'unknown';
  const act = action.toLowerCase();
  const refuses = act === 'blocked' || act === 'block';
  const decision: Decision = refuses ? 'deny' : act === 'unknown' ? 'unknown' : 'pass';
  const ruleId = str(p.ruleId);
  const ruleset = [str(p.ruleSetType), str(p.ruleSetVersion)].filter(Boolean).join(' ') || str(p.policyScopeName);
  const details = obj(p.details);
  const nonDecisive: NonDecisiveMatch[] = [];
  if (!refuses && ruleId && act !== 'allowed') nonDecisive.push(compact({ id: ruleId, ruleset, action: act, effective: false as const }));
  const url = splitTarget(str(p.requestUri) ?? '');
  const evidence = [`action ${action}`, str(p.message), str(details.data)?.slice(0, 300)].filter(Boolean).join('; ');
  return compact({
    '@timestamp': c.ts,
    event: compact({ dataset: AZURE_APPGW_DATASET, id: '', action: act, outcome: outcome(decision), original: original(c.line) }),
    observer: compact({ type: 'waf', vendor: 'Microsoft', product: 'Azure Application Gateway WAF', name: c.resource ?? str(p.instanceId) }),
    http: refuses ? { response: { status_code: 403 } } : undefined,
    url: compact({ domain: str(p.hostname) ?? url.domain, path: url.path, query: url.query }),
    source: ip ? compact({ ip, port: num(p.clientPort) }) : undefined,
    rule: ruleId ? compact({ id: ruleId, name: str(p.message) ?? ruleId, ruleset }) : undefined,
    denytrace: compact({
      layer: 'waf' as const,
      component: 'azure-waf',
      hop: HOP.regionalWaf,
      decision,
      upstream_status: refuses ? null : undefined,
      correlation_ids: uniqueIds([cid('agwtx', str(p.transactionId))]),
      rule_type: str(p.ruleSetType),
      non_decisive: nonDecisive.length ? nonDecisive : undefined,
      evidence,
      extra_fields: extras(c, ['action', 'clientIp', 'clientIP', 'clientPort', 'hostname', 'requestUri', 'ruleId', 'ruleSetType', 'ruleSetVersion', 'message', 'transactionId', 'details']),
      match_key: matchKey(undefined, url.path, url.query, undefined),
      source_file: c.options.sourceName,
      line: c.lineNo,
    }),
  });
}

/**
 * Front Door access log (CDN layer). A refusal status with `ErrorInfo` other than NoError is Front
 * Door's own (`deny`, rule = the ErrorInfo); with NoError the log cannot tell whether its WAF or
 * the origin refused (`unknown`, like CloudFront `Error`); other statuses `pass`.
 */
function frontDoorAccess(c: Ctx): DenyEvent | { reject: string } {
  const { p } = c;
  const ipRaw = str(p.clientIp) ?? str(p.clientIP);
  const ip = normalizeIp(ipRaw);
  if (ipRaw && !ip) return { reject: `properties.clientIp ${ipRaw.slice(0, 80)}` };
  const status = num(p.httpStatusCode);
  const errorInfo = str(p.ErrorInfo) ?? str(p.errorInfo);
  const ownError = errorInfo !== undefined && errorInfo !== 'NoError';
  const refusal = status !== undefined && status >= 400;
  const decision: Decision = refusal ? (ownError ? 'deny' : 'unknown') : 'pass';
  const url = splitTarget(str(p.requestUri) ?? '');
  const method = str(p.httpMethod);
  const ua = str(p.userAgent);
  return compact({
    '@timestamp': c.ts,
    event: compact({ dataset: AZURE_FD_ACCESS_DATASET, id: '', action: decision === 'deny' ? 'deny' : undefined, outcome: outcome(decision), original: original(c.line) }),
    observer: compact({ type: 'cdn', vendor: 'Microsoft', product: 'Azure Front Door', name: c.resource }),
    http: compact({
      request: compact({ method, bytes: num(p.requestBytes) }),
      response: compact({ status_code: status, bytes: num(p.responseBytes) }),
      version: httpVersion(str(p.httpVersion))?.replace(/^(\d+\.\d+)(?:\.\d+)+$/, '$1'),
    }),
    url: compact({ scheme: url.scheme, domain: url.domain ?? str(p.hostName), port: portOfUri(str(p.requestUri)), path: url.path, query: url.query }),
    source: ip ? compact({ ip, port: num(p.clientPort) }) : undefined,
    user_agent: ua ? { original: ua } : undefined,
    tls: compact({ version: str(p.securityProtocol) }),
    rule: decision === 'deny' ? compact({ id: errorInfo, name: `Front Door ErrorInfo ${errorInfo}`, ruleset: c.resource }) : undefined,
    denytrace: compact({
      layer: 'cdn' as const,
      component: 'azure-front-door',
      hop: HOP.cdn,
      decision,
      upstream_status: decision === 'deny' ? null : undefined,
      correlation_ids: uniqueIds([cid('azref', str(p.trackingReference))]),
      evidence: [errorInfo ? `ErrorInfo ${errorInfo}` : undefined, str(p.cacheStatus) ? `cacheStatus ${str(p.cacheStatus)}` : undefined, str(p.routingRuleName) ?? str(p.routeName)].filter(Boolean).join('; ') || undefined,
      extra_fields: extras(c, ['ErrorInfo', 'errorInfo', 'clientIp', 'clientIP', 'clientPort', 'httpMethod', 'httpStatusCode', 'httpVersion', 'requestUri', 'requestBytes', 'responseBytes', 'userAgent', 'securityProtocol', 'trackingReference']),
      match_key: matchKey(method, url.path, url.query, ua),
      source_file: c.options.sourceName,
      line: c.lineNo,
    }),
  });
}

function outcome(d: Decision): 'success' | 'failure' | 'unknown' {
  return d === 'deny' ? 'failure' : d === 'pass' ? 'success' : 'unknown';
}

function portOfUri(uri: string | undefined): number | undefined {
  const host = /^https?:\/\/([^/?#]*)/i.exec(uri ?? '')?.[1];
  return host ? portOf(host) : undefined;
}

/** Envelope fields other than the mapped ones, and properties not read. */
function extras(c: Ctx, mappedProps: readonly string[]): Record<string, string> | undefined {
  const into = extraFields(c.rec, ENVELOPE) ?? {};
  return extraFields(c.p, new Set(mappedProps), 'properties.', into);
}
