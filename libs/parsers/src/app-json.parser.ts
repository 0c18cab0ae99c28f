import { HOP, REFUSAL_STATUSES, cfRayId, cid, traceCorrelationIds, uniqueIds, xrayRoot, xrayToW3c, type DenyEvent, type Decision, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { matchKey, original, statusField } from './util/fields';
import { normalizeIp } from './util/ip';
import { ALLOW_WORDS, APP_FIELD_PATHS, APP_REQUEST_FIELDS, DENY_WORDS } from './util/json-app-fields';
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

const FOREIGN_KEYS = ['webaclId', 'httpRequest', 'terminatingRuleId', 'time_local', 'body_bytes_sent', 'http_user_agent', 'eventVersion', 'auditID', 'requestParameters'];

/**
 * Share of sample lines that are JSON objects with a timestamp and at least one request fact
 * (method, path, status or decision), not AWS WAF (`webaclId`, `httpRequest`) nor nginx JSON
 * (`time_local`, `body_bytes_sent`); times 0.9. Deploy events (`service`, `version`, `started_at`)
 * have neither a timestamp key we read nor a request fact, so score 0.
 */
function detectAppJson(sample: readonly string[]): number {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length === 0) return 0;
  let hits = 0;
  for (const l of lines) {
    const line = l.charCodeAt(0) === 0xfeff ? l.slice(1) : l;
    if (!line.startsWith('{')) continue;
    const p = parseJsonObject(line);
    if (!p.ok || !isObject(p.value)) continue;
    const o = p.value;
    if (FOREIGN_KEYS.some((k) => k in o)) continue;
    if (pickScalar(o, APP_FIELD_PATHS['@timestamp']) === undefined) continue;
    if (APP_REQUEST_FIELDS.some((f) => pickText(o, APP_FIELD_PATHS[f]) !== undefined)) hits++;
  }
  return (hits / lines.length) * 0.9;
}
