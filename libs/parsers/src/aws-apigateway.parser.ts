import { HOP, REFUSAL_STATUSES, cid, deferEventId, traceCorrelationIds, uniqueIds, xrayRoot, xrayToW3c, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, httpVersion, intField, isPlaceholderId, matchKey, original, present, statusField } from './util/fields';
import { normalizeIp } from './util/ip';
import { asText, getPath, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { unknownJsonFields } from './util/extra-fields';
import { isoFromMs, parseEpoch, parseIsoTime, parseNginxTimeLocal } from './util/time-parse';
import { splitTarget } from './util/url-request';
import { APIGW_PATHS, GATEWAY_REFUSALS, NOT_REFUSALS, knownApigwKeys } from './util/aws-apigateway-fields';

/** `event.dataset` of API Gateway access events (Elastic's `aws.apigateway_logs`). */
export const APIGW_DATASET = 'aws.apigateway_logs';

/**
 * Amazon API Gateway access logs (REST and HTTP APIs), JSON lines in the format the user configured
 * from `$context` variables. Sources: the variable list
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
 * (access-logging subset: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html),
 * the gateway response types https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * and the console's default JSON formats (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).
 * Layer `gateway`, component `api-gateway`, hop HOP.loadBalancer (behind CloudFront and the
 * regional web ACL, in front of the integration), observer `{ type: 'api-gateway', vendor: 'AWS',
 * product: 'API Gateway', name: apiId (or domainName) }`.
 *
 * Key names are the user's: the names of the AWS defaults and documented examples (`requestId`,
 * `ip`, `requestTime`, `httpMethod`, `resourcePath`, `routeKey`, `status` …), the variable names
 * themselves flat or nested (`error.responseType`, `{"error":{"responseType":…}}`,
 * `$context.error.responseType`) and common camelCase forms (`errorResponseType`) are recognised;
 * see util/aws-apigateway-fields.ts. Keys not read are kept in `extra_fields`.
 *
 * Time: `requestTimeEpoch` (epoch ms) or `requestTime` (CLF `dd/Mon/yyyy:HH:mm:ss +0000`, offset
 * applied) → @timestamp, ISO-8601 UTC ms. Ids: `requestId` → `http.request.id` and `apigw:` (also
 * the AWS WAF log's `requestId` for a web ACL on the API); `extendedRequestId` → `apigw:`;
 * `xrayTraceId` → `xray:`/`trace:`.
 *
 * Decision (the status alone cannot tell: API Gateway answers 403 for a route that does not exist):
 * - `error.responseType` WAF_FILTERED, or `wafResponseCode` WAF_BLOCK / `waf.status` 4xx → `deny`,
 *   `refused_by` the regional web ACL (`{ layer: 'waf', component: 'aws-waf' }`);
 * - another gateway response type of API Gateway's own (ACCESS_DENIED, MISSING_AUTHENTICATION_TOKEN,
 *   AUTHORIZER_FAILURE, EXPIRED_TOKEN, INVALID_API_KEY, THROTTLED, QUOTA_EXCEEDED …) → `deny`, rule
 *   id = the response type, rule.name = `error.message`, ruleset = `apiId/stage`;
 * - INTEGRATION_FAILURE / INTEGRATION_TIMEOUT → `pass` (the integration failed behind it);
 * - an authorizer that answered 401/403 (`authorizer.status`, `authorize.status`) → `deny`, rule
 *   `AUTHORIZER`;
 * - an integration status logged → `pass` with `upstream_status` = that status;
 * - the integration status key logged but empty (`-`) with a refusal status → `deny`;
 * - otherwise a status < 400 → `pass`, a refusal status → `unknown` (the log cannot tell).
 * Rejects: not JSON → `invalid_json`; no time → `missing_field`; unreadable time →
 * `invalid_timestamp`; a source ip that is no address → `invalid_ip`.
 */
export const apigatewayFormat: LogFormat = {
  name: 'aws-apigateway',
  dataset: APIGW_DATASET,
  description: 'Amazon API Gateway access logs, JSON with $context variables (REST and HTTP APIs)',
  detect: detectApigw,
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseApigwLine(line, lineNo, options) };
  },
};

/** Keys only API Gateway formats use (one is needed besides `requestId`). */
const MARKERS = ['resourcePath', 'routeKey', 'apiId', 'extendedRequestId', 'requestTimeEpoch', 'responseLength', 'error.responseType', 'errorResponseType', 'wafResponseCode', 'integrationStatus', 'integrationLatency'];
const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/;

function detectApigw(sample: readonly string[]): number {
  let seen = 0;
  let hits = 0;
  for (const raw of sample) {
    const l = raw.trim();
    if (l === '') continue;
    seen++;
    if (l.charCodeAt(0) !== 0x7b || !l.includes('equestId')) continue;
    const p = parseJsonObject(l);
    if (!p.ok) continue;
    const o = p.value;
    if (typeof (getPath(o, 'requestId') ?? getPath(o, '$context.requestId')) !== 'string') continue;
    const time = asText(getPath(o, 'requestTime'));
    if (MARKERS.some((k) => getPath(o, k) !== undefined || getPath(o, `$context.${k}`) !== undefined) || (time !== undefined && CLF_TIME.test(time))) hits++;
  }
  return seen === 0 ? 0 : hits / seen;
}

/** Parses one API Gateway access-log line. Pure. */
export function parseApigwLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (raw.trim() === '') return { kind: 'skip' };
  const parsed = parseJsonObject(raw);
  if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
  const o = parsed.value;
  const get = (field: keyof typeof APIGW_PATHS): string | undefined => pick(o, APIGW_PATHS[field]);

  const epoch = get('requestTimeEpoch');
  const clf = get('requestTime');
  if (epoch === undefined && clf === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no requestTime or requestTimeEpoch' };
  const time = epoch !== undefined ? parseEpoch(epoch) : parseNginxTimeLocal(clf!) ?? parseIsoTime(clf!) ?? parseEpoch(clf!);
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `requestTime ${(epoch ?? clf)!.slice(0, 40)}` };

  const ipRaw = get('ip');
  const ip = normalizeIp(ipRaw);
  if (ipRaw !== undefined && ip === undefined) return { kind: 'reject', reason: 'invalid_ip', detail: `source ip ${ipRaw.slice(0, 64)}` };

  const status = statusField(get('status'));
  let method = get('httpMethod');
  let path = get('path');
  let query: string | undefined;
  const resourcePath = get('resourcePath');
  const routeKey = get('routeKey');
  if (routeKey && !method) {
    const sp = routeKey.indexOf(' ');
    if (sp > 0) method = routeKey.slice(0, sp);
  }
  if (path) {
    const t = splitTarget(path);
    path = t.path;
    query = t.query;
  } else path = resourcePath ?? (routeKey?.includes(' ') ? routeKey.slice(routeKey.indexOf(' ') + 1) : undefined);

  const apiId = get('apiId');
  const stage = get('stage');
  const ruleset = apiId ? (stage ? `${apiId}/${stage}` : apiId) : get('domainName');
  const v = verdict(o, status, get, ruleset);

  const requestId = get('requestId');
  const xray = get('xrayTraceId');
  const traceIds = traceCorrelationIds(xray);
  const root = xrayRoot(xray);
  const ua = get('userAgent');
  const userName = get('principalId') ?? get('user') ?? get('caller');

  const extra = unknownJsonFields(o, knownApigwKeys());
  const event: DenyEvent = compact({
    '@timestamp': isoFromMs(time.ms),
    event: compact({
      dataset: APIGW_DATASET,
      id: '',
      action: v.action,
      outcome: v.decision === 'deny' ? ('failure' as const) : v.decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(raw),
    }),
    observer: compact({ type: 'api-gateway', vendor: 'AWS', product: 'API Gateway', name: apiId ?? get('domainName') }),
    http: compact({
      request: compact({ id: requestId, method }),
      response: compact({ status_code: status, bytes: intField(get('responseLength')) }),
      version: httpVersion(get('protocol')),
    }),
    url: compact({ domain: get('domainName'), path, query }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: userName ? { name: userName } : undefined,
    rule: v.rule,
    trace: root ? { id: xrayToW3c(root) } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'api-gateway',
      hop: HOP.loadBalancer,
      decision: v.decision,
      upstream_status: v.upstream,
      correlation_ids: uniqueIds([
        isPlaceholderId(requestId) ? undefined : cid('apigw', requestId),
        isPlaceholderId(get('extendedRequestId')) ? undefined : cid('apigw', get('extendedRequestId')),
        ...traceIds,
      ]),
      rule_type: v.rule ? 'gateway-response' : undefined,
      refused_by: v.refusedBy,
      evidence: v.evidence,
      extra_fields: extra,
      match_key: matchKey(method, path, query, ua),
      source_file: options.sourceName,
      line: lineNo,
      tz_offset_minutes: epoch === undefined ? time.offsetMinutes : undefined,
    }),
  });
  return { kind: 'event', event: deferEventId(event, raw) };
}

interface ApigwVerdict {
  decision: Decision;
  action?: string;
  upstream?: number | null;
  rule?: DenyEvent['rule'];
  refusedBy?: { layer: 'waf'; component: string };
  evidence?: string;
}

/** API Gateway's own part in the response (rules in {@link apigatewayFormat}'s docstring). */
function verdict(o: JsonObject, status: number | undefined, get: (f: keyof typeof APIGW_PATHS) => string | undefined, ruleset: string | undefined): ApigwVerdict {
  const type = get('responseType')?.toUpperCase();
  const message = get('errorMessage');
  const wafCode = get('wafResponseCode')?.toUpperCase();
  const wafStatus = statusField(get('wafStatus'));
  const authStatus = statusField(get('authorizerStatus'));
  const authError = get('authorizerError');
  const integ = pickRaw(o, APIGW_PATHS.integrationStatus);
  const integStatus = statusField(integ === undefined ? undefined : asText(integ));
  const facts = [
    type && `error.responseType=${type}`,
    message && `error.message=${message}`,
    wafCode && `wafResponseCode=${wafCode}`,
    wafStatus && `waf.status=${wafStatus}`,
    authStatus && `authorizer.status=${authStatus}`,
    authError && `authorizer.error=${authError}`,
    integStatus && `integrationStatus=${integStatus}`,
  ].filter(Boolean).join('; ') || undefined;
  const rule = (id: string, name?: string): DenyEvent['rule'] => compact({ id, name: name ?? id, ruleset });

  if (type === 'WAF_FILTERED' || wafCode === 'WAF_BLOCK' || (wafStatus !== undefined && wafStatus >= 400 && wafStatus < 500)) {
    return {
      decision: 'deny', action: 'deny', upstream: null, evidence: facts,
      refusedBy: { layer: 'waf', component: 'aws-waf' },
      rule: rule('WAF_FILTERED', message ?? 'AWS WAF web ACL associated with the API stage'),
    };
  }
  if (type && NOT_REFUSALS.has(type)) return { decision: 'pass', action: 'allow', upstream: integStatus, evidence: facts };
  if (type && (GATEWAY_REFUSALS.has(type) || (type.startsWith('DEFAULT_4') && status !== undefined && status < 500))) {
    return { decision: 'deny', action: 'deny', upstream: null, evidence: facts, rule: rule(type, message) };
  }
  if (authStatus === 401 || authStatus === 403) return { decision: 'deny', action: 'deny', upstream: null, evidence: facts, rule: rule('AUTHORIZER', authError ?? message) };
  if (integStatus !== undefined) return { decision: 'pass', action: 'allow', upstream: integStatus, evidence: facts };
  const refusal = status !== undefined && REFUSAL_STATUSES.has(status);
  if (integ !== undefined && refusal) {
    return { decision: 'deny', action: 'deny', upstream: null, evidence: facts ?? `API Gateway answered ${status} without calling the integration` };
  }
  if (status !== undefined && status < 400) return { decision: 'pass', evidence: facts };
  return { decision: 'unknown', evidence: facts };
}

function pickRaw(o: JsonObject, paths: readonly string[]): unknown {
  for (const p of paths) {
    const v = getPath(o, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/** The first of `paths` holding a scalar other than '', '-' (API Gateway writes `-` for empty variables). */
function pick(o: JsonObject, paths: readonly string[]): string | undefined {
  for (const p of paths) {
    const v = getPath(o, p);
    if (isObject(v) || Array.isArray(v)) continue;
    const t = present(asText(v)?.trim());
    if (t !== undefined) return t;
  }
  return undefined;
}
