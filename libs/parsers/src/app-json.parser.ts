import { HOP, REFUSAL_STATUSES, cfRayId, cid, traceCorrelationIds, uniqueIds, xrayRoot, xrayToW3c, type DenyEvent, type Decision, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { matchKey, original, statusField } from './util/fields';
import { normalizeIp } from './util/ip';
import { ALLOW_WORDS, APP_FIELD_PATHS, DENY_WORDS } from './util/json-app-fields';
import { asText, getPath, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { isoFromMs, parseAnyTime } from './util/time-parse';
import { splitTarget, stripPort } from './util/url-request';

/** `event.dataset` of application audit events. */
export const APP_AUDIT_DATASET = 'app.audit';

/**
 * Application authorization/audit logs as JSON lines (one object a line; no vendor format — field
 * names follow ECS, https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html, and the
 * common logger conventions listed in util/json-app-fields.ts, flat or nested). Layer `app`,
 * component `app`, hop HOP.app, observer `{ type: 'app', vendor/product: service name or 'app' }`.
 *
 * Reads: timestamp (`ts`, `timestamp`, `time`, `@timestamp`, `date`; ISO-8601, zone-less read as
 * UTC, or epoch s/ms), request id (→ `xrid:` and http.request.id), trace id (X-Ray Root or 32 hex,
 * → `xray:`/`trace:`; trace.id is the 32-hex W3C form), traceparent, cf_ray, amz_cf_id,
 * principal → user.id, roles, tenant → organization.id, method, path/url/route, query, status,
 * permission/scope/action → denytrace.permission, decision (`allow|deny|permit|forbid|denied|
 * granted`, booleans such as `allowed:false`), policy/rule → rule.id and rule.name (rule.ruleset = `service version`, as s1's truth names
 * it, or the service alone),
 * reason → rule.description, service/version/environment, client ip.
 * `ParserOptions.appFieldMap` (ECS name → dotted path; `decision` for the decision value) is tried
 * before the defaults. A leading U+FEFF is dropped (C05).
 *
 * Decision: an explicit deny → `deny`; no decision but status 401/403/407/429/451 → `deny` (the app
 * itself answered); otherwise `pass`. Rejects: not JSON or not an object → `invalid_json`; no
 * timestamp → `missing_field`; unreadable timestamp → `invalid_timestamp`.
 */
export const appJsonFormat: LogFormat = {
  name: 'app-json',
  dataset: APP_AUDIT_DATASET,
  description: 'application audit/authorization JSON lines (request id, principal, decision, policy)',
  detect: detectAppJson,
  createParser: (options: ParserOptions) => new AppJsonParser(options),
};

class AppJsonParser implements LineParser {
  private readonly paths: Readonly<Record<string, readonly string[]>>;

  constructor(private readonly options: ParserOptions) {
    const map = options.appFieldMap ?? {};
    const merged: Record<string, readonly string[]> = { ...APP_FIELD_PATHS };
    for (const [field, p] of Object.entries(map)) merged[field] = [p, ...(APP_FIELD_PATHS[field] ?? [])];
    this.paths = merged;
  }

  parse(line: string, lineNo: number): ParseOutcome {
    const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    if (raw.trim() === '') return { kind: 'skip' };
    const parsed = parseJsonObject(raw);
    if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
    const o = parsed.value;
    const text = (field: string): string | undefined => pickText(o, this.paths[field] ?? []);

    const tsValue = pickScalar(o, this.paths['@timestamp']);
    if (tsValue === undefined) return { kind: 'reject', reason: 'missing_field', detail: 'no timestamp (ts, timestamp, time, @timestamp, date)' };
    const time = parseAnyTime(tsValue);
    if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `timestamp ${String(tsValue).slice(0, 64)}` };

    const service = text('service.name');
    const status = statusField(text('http.response.status_code'));
    const permissionRaw = text('denytrace.permission');
    let decisionWord = text('decision')?.toLowerCase();
    let permission = permissionRaw;
    if (decisionWord === undefined && permissionRaw && (DENY_WORDS.has(permissionRaw.toLowerCase()) || ALLOW_WORDS.has(permissionRaw.toLowerCase()))) {
      decisionWord = permissionRaw.toLowerCase(); // `action: "deny"` is a decision, not a permission
      permission = undefined;
    }
    const explicitDeny = decisionWord !== undefined && DENY_WORDS.has(decisionWord);
    const explicitAllow = decisionWord !== undefined && ALLOW_WORDS.has(decisionWord);
    const decision: Decision = explicitDeny || (!explicitAllow && status !== undefined && REFUSAL_STATUSES.has(status)) ? 'deny' : 'pass';
    const action = explicitDeny ? 'deny' : explicitAllow ? 'allow' : decision === 'deny' ? 'deny' : undefined;

    const target = text('url.path');
    const t = target ? splitTarget(target) : {};
    const query = text('url.query') ?? t.query;
    const method = text('http.request.method');
    const ua = text('user_agent.original');
    const ipRaw = text('source.ip');
    const ip = normalizeIp(ipRaw);
    const domainRaw = text('url.domain') ?? t.domain;

    const requestId = text('http.request.id');
    const traceValue = text('trace.id');
    const traceparent = text('traceparent');
    const ids = uniqueIds([
      cid('xrid', requestId),
      ...traceCorrelationIds(traceValue), ...traceCorrelationIds(traceparent),
      cid('cfray', cfRayId(text('cf_ray'))),
      cid('amzcf', text('amz_cf_id')),
    ]);
    const traceId = w3c(traceValue) ?? w3c(traceparent);
    const ruleId = text('rule.id');
    const reason = text('rule.description');
    const roles = pickRoles(o, this.paths['user.roles'] ?? []);
    const userId = text('user.id');
    const org = text('organization.id');
    const name = service ?? 'app';
    const version = text('service.version');

    const e: DenyEvent = {
      '@timestamp': isoFromMs(time.ms),
      event: { dataset: APP_AUDIT_DATASET, id: '', action, outcome: decision === 'deny' ? 'failure' : 'success', original: original(raw) },
      observer: { type: 'app', vendor: name, product: name },
      http: {
        ...(requestId || method ? { request: { ...(requestId ? { id: requestId } : {}), ...(method ? { method } : {}) } } : {}),
        ...(status !== undefined ? { response: { status_code: status } } : {}),
      },
      ...(t.path || query || domainRaw ? { url: clean({ domain: domainRaw ? stripPort(domainRaw) : undefined, path: t.path, query }) } : {}),
      ...(ip ? { source: { ip } } : {}),
      ...(ua ? { user_agent: { original: ua } } : {}),
      ...(userId || roles ? { user: clean({ id: userId, roles }) } : {}),
      ...(org ? { organization: { id: org } } : {}),
      ...(ruleId || reason ? { rule: clean({ id: ruleId, name: ruleId, ruleset: version && service ? `${service} ${version}` : name, description: reason }) } : {}),
      ...(service ? { service: clean({ name: service, version, environment: text('service.environment') }) } : {}),
      ...(traceId ? { trace: { id: traceId } } : {}),
      denytrace: {
        layer: 'app',
        component: 'app',
        hop: HOP.app,
        decision,
        correlation_ids: ids,
        ...(permission ? { permission } : {}),
        match_key: matchKey(method, t.path, query, ua) ?? '',
        source_file: this.options.sourceName,
        line: lineNo,
        tz_offset_minutes: time.offsetMinutes,
      },
    };
    return { kind: 'event', event: deferEventId(e, raw) };
  }
}

function pickScalar(o: JsonObject, paths: readonly string[]): string | number | undefined {
  for (const p of paths) {
    const v = getPath(o, p);
    if (typeof v === 'number' || (typeof v === 'string' && v !== '' && v !== '-')) return v;
  }
  return undefined;
}

function pickText(o: JsonObject, paths: readonly string[]): string | undefined {
  for (const p of paths) {
    const v = asText(getPath(o, p));
    if (v !== undefined && v !== '' && v !== '-') return v;
  }
  return undefined;
}

function pickRoles(o: JsonObject, paths: readonly string[]): string[] | undefined {
  for (const p of paths) {
    const v = getPath(o, p);
    if (Array.isArray(v)) return v.filter((r): r is string => typeof r === 'string').slice(0, 100);
    if (typeof v === 'string' && v !== '') return v.split(/[,\s]+/).filter((r) => r !== '');
  }
  return undefined;
}

function w3c(v: string | undefined): string | undefined {
  const root = xrayRoot(v);
  if (root) return xrayToW3c(root);
  const ids = traceCorrelationIds(v);
  return ids[0]?.startsWith('trace:') ? ids[0].slice(6) : undefined;
}

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/** A JSON record another product wrote: its name, and how to recognise it (keys as the vendor documents them). */
interface ForeignShape {
  product: string;
  test: (o: JsonObject) => boolean;
}

const has = (o: JsonObject, ...keys: string[]): boolean => keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
const startsWith = (v: unknown, prefix: string): boolean => typeof v === 'string' && v.startsWith(prefix);

/**
 * Records of other products that look request-shaped but are not an application's own audit. Each is
 * claimed by (or left for) its own parser; app JSON scores them 0. Sources of the marker keys:
 * AWS WAF https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html;
 * nginx `log_format … escape=json` with nginx variable names; CloudTrail
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html;
 * Kubernetes audit https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/;
 * Caddy https://caddyserver.com/docs/logging (`logger` `http.log.access…`, `http.handlers.…`);
 * OPA decision logs https://www.openpolicyagent.org/docs/latest/management-decision-logs/ (and its
 * server log's `decision-id`); Cloudflare Logpush https://developers.cloudflare.com/logs/reference/log-fields/;
 * GCP https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry; Azure resource logs
 * https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs-schema; Envoy
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage; Kong
 * https://docs.konghq.com/gateway/latest/reference/log-format/ (`latencies`, `route`, `upstream_uri`);
 * Traefik https://doc.traefik.io/traefik/observability/access-logs/; API Gateway access logs
 * (`$context` variables) and Lambda proxy events; ModSecurity/Coraza JSON audit (`transaction`);
 * open-appsec (`eventSource` + `eventData`).
 */
const FOREIGN_SHAPES: readonly ForeignShape[] = [
  { product: 'aws-waf', test: (o) => has(o, 'webaclId') || has(o, 'terminatingRuleId') },
  { product: 'nginx-json', test: (o) => has(o, 'time_local') || has(o, 'body_bytes_sent') || has(o, 'http_user_agent') },
  { product: 'aws-cloudtrail', test: (o) => has(o, 'eventVersion') || has(o, 'Records') || has(o, 'requestParameters') || has(o, 'eventSource', 'eventName') },
  { product: 'kubernetes-audit', test: (o) => startsWith(o.apiVersion, 'audit.k8s.io') || has(o, 'auditID') },
  { product: 'caddy', test: (o) => startsWith(o.logger, 'http.log') || startsWith(o.logger, 'http.handlers.') },
  { product: 'opa-decision', test: (o) => (has(o, 'decision_id') && (has(o, 'input') || has(o, 'result'))) || has(o, 'decision-id') },
  { product: 'cloudflare', test: (o) => has(o, 'RayID') || has(o, 'OriginatorRayID') || has(o, 'EdgeResponseStatus') || has(o, 'ClientRequestHost') },
  { product: 'gcp-logging', test: (o) => has(o, 'httpRequest') || has(o, 'logName') || has(o, 'protoPayload') || has(o, 'jsonPayload') },
  { product: 'azure-resource-log', test: (o) => has(o, 'operationName') || has(o, 'category', 'resourceId') },
  { product: 'envoy', test: (o) => has(o, 'upstream_cluster') || has(o, 'response_code_details') || has(o, 'response_flags') || has(o, 'downstream_remote_address') },
  { product: 'kong', test: (o) => has(o, 'latencies', 'route') || has(o, 'upstream_uri', 'latencies') },
  { product: 'traefik', test: (o) => has(o, 'RouterName') || has(o, 'DownstreamStatus') || has(o, 'OriginStatus') || has(o, 'entryPointName') },
  { product: 'aws-apigateway', test: (o) => has(o, 'apiId') || has(o, 'requestContext') || has(o, 'httpMethod', 'resourcePath') || has(o, 'routeKey') },
  { product: 'modsecurity', test: (o) => isObject(o.transaction) && (has(o.transaction, 'messages') || has(o.transaction, 'producer') || has(o.transaction, 'request', 'response')) },
  { product: 'open-appsec', test: (o) => has(o, 'eventSource', 'eventData') },
];

/** The product that wrote this record, when it is recognisably not an application audit record. */
export function foreignJsonProduct(o: JsonObject): string | undefined {
  return FOREIGN_SHAPES.find((f) => f.test(o))?.product;
}

/** Where a permission or policy is named; `action` and `operation` alone are too common to count (other products log them). */
const PERMISSION_POLICY_PATHS: readonly string[] = [
  ...APP_FIELD_PATHS['denytrace.permission'].filter((p) => p !== 'action' && p !== 'operation'),
  ...APP_FIELD_PATHS['rule.id'],
];

/** A decision value: a decision word (`allow`, `deny`, …) or a boolean. */
function isDecision(v: unknown): boolean {
  if (typeof v === 'boolean') return true;
  return typeof v === 'string' && (DENY_WORDS.has(v.toLowerCase()) || ALLOW_WORDS.has(v.toLowerCase()));
}

/**
 * True when a record has the shape of an application authorization/audit record: a timestamp we
 * read, not {@link foreignJsonProduct}, and either a decision (decision field, or `action` holding a
 * decision word), a permission or policy field, or a request id together with method, path and status.
 */
export function isAppAuditRecord(o: JsonObject): boolean {
  if (foreignJsonProduct(o) !== undefined) return false;
  if (pickScalar(o, APP_FIELD_PATHS['@timestamp']) === undefined) return false;
  if (APP_FIELD_PATHS.decision.some((p) => isDecision(getPath(o, p)))) return true;
  if (isDecision(getPath(o, 'action'))) return true;
  if (pickText(o, PERMISSION_POLICY_PATHS) !== undefined) return true;
  return (['http.request.id', 'http.request.method', 'url.path', 'http.response.status_code'] as const).every((f) => pickText(o, APP_FIELD_PATHS[f]) !== undefined);
}

/**
 * Share of the first 20 non-blank sample lines that are {@link isAppAuditRecord} JSON objects, times
 * 0.9 (exact vendor formats win ties). Records of other products (Caddy, OPA, Envoy, Kong, Traefik,
 * CloudTrail, Kubernetes audit, Cloudflare, GCP, Azure, AWS WAF, nginx JSON, …) and deploy events
 * (`service`, `version`, `started_at`: no timestamp key we read, no decision) score 0.
 */
function detectAppJson(sample: readonly string[]): number {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length === 0) return 0;
  let hits = 0;
  for (const l of lines) {
    const line = l.charCodeAt(0) === 0xfeff ? l.slice(1) : l;
    if (!line.startsWith('{')) continue;
    const p = parseJsonObject(line);
    if (p.ok && isObject(p.value) && isAppAuditRecord(p.value)) hits++;
  }
  return (hits / lines.length) * 0.9;
}
