import { cid, deferEventId, HOP, uniqueIds, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, matchKey, original, lineShare } from './util/fields';
import { normalizeIp } from './util/ip';
import { JsonLineAssembler } from './util/json-line-assembler';
import { asText, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { k8sDecision, VERB_METHOD } from './util/k8s-audit-decision';
import { isoFromMs, parseAnyTime } from './util/time-parse';
import { splitTarget } from './util/url-request';

/**
 * Kubernetes API-server audit events, `audit.k8s.io/v1` `Event`
 * (https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event), one per
 * line as the log backend writes them (pretty-printed ones too), bare or in a cloud envelope:
 * - AKS diagnostic logs: `{category: "kube-audit"|"kube-audit-admin", properties: {log: <Event or its JSON text>}}`
 *   (https://learn.microsoft.com/azure/aks/monitor-aks-reference#resource-logs);
 * - GKE Cloud Audit Logs: a LogEntry with `protoPayload` (`@type` AuditLog, `methodName` `io.k8s.…`,
 *   `authenticationInfo.principalEmail`, `requestMetadata.callerIp`, `status.code` gRPC), the
 *   authorization annotations in `labels`, the request's entries grouped by `operation.id`
 *   (https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging).
 *
 * Fields read: `auditID` (→ `audit:`, the `Audit-Id` header the API server returns), `stage`, `verb`,
 * `requestURI`, `user.{username,uid,groups}`, `sourceIPs[0]`, `userAgent`, `objectRef.{resource,
 * subresource,namespace,name}`, `responseStatus.{code,reason,message}`, `requestReceivedTimestamp`
 * (→ @timestamp; the stages of one request share it), `annotations`. Other top-level keys go to
 * `denytrace.extra_fields`.
 *
 * Layer app, component `kubernetes`, hop {@link HOP.app}. Stages of one request (RequestReceived,
 * ResponseStarted, ResponseComplete, Panic) are separate events sharing the `audit:` id; the
 * correlator joins them (dataset `kubernetes.audit_logs` is a multi-record source) into one verdict.
 * Refusals (see `k8sDecision`): `authorization.k8s.io/decision: forbid` → deny, `rule.ruleset`
 * `kubernetes-authorization`; a 4xx from an admission webhook, Pod Security or a ValidatingAdmissionPolicy
 * → deny, `rule.ruleset` `kubernetes-admission` and `rule.id` the webhook/policy; 401 → authentication; 429 → flow control.
 */
export const k8sAuditFormat: LogFormat = {
  name: 'k8s-audit',
  dataset: 'kubernetes.audit_logs',
  description: 'Kubernetes API-server audit events (audit.k8s.io/v1 Event JSON; AKS and GKE envelopes)',
  detect(sample: readonly string[]): number {
    const share = lineShare(sample, (l) => l.charCodeAt(0) === 0x7b && ((l.includes('"audit.k8s.io/') && l.includes('"auditID"')) || (l.includes('"protoPayload"') && l.includes('"k8s.io"') && l.includes('authorization.k8s.io/'))));
    if (share > 0) return 0.95 * share;
    const text = sample.join('\n');
    return /"apiVersion"\s*:\s*"audit\.k8s\.io\//.test(text) && /"auditID"\s*:/.test(text) ? 0.85 : 0;
  },
  createParser(options: ParserOptions): LineParser {
    const assembler = new JsonLineAssembler();
    return {
      parse(line: string, lineNo: number): ParseOutcome {
        const step = assembler.push(line);
        if (step.kind === 'skip') return { kind: 'skip' };
        if (step.kind === 'too_long') return { kind: 'reject', reason: 'line_too_long', detail: 'audit event never closed within 1 MiB' };
        if (step.kind === 'other') return { kind: 'reject', reason: 'invalid_json', detail: 'not a JSON object' };
        return parseK8sAuditRecord(step.text, lineNo, options);
      },
    };
  },
};

const DATASET = 'kubernetes.audit_logs';
const KNOWN: ReadonlySet<string> = new Set([
  'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef',
  'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations', 'metadata',
]);

/** Parses one audit record (a whole JSON object, any envelope). Pure. */
export function parseK8sAuditRecord(text: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
  const o = parsed.value;
  if (isObject(o.protoPayload)) return fromGke(o, text, lineNo, options);
  let ev: unknown = o;
  let cluster: string | undefined;
  if (isObject(o.properties) && o.properties.log !== undefined) {
    // AKS: the Event, or its JSON text, under properties.log.
    const log = o.properties.log;
    if (typeof log === 'string') {
      const inner = parseJsonObject(log);
      if (!inner.ok) return { kind: 'reject', reason: 'invalid_json', detail: `properties.log: ${inner.detail}` };
      ev = inner.value;
    } else ev = log;
    const rid = asText(o.resourceId);
    cluster = rid ? rid.slice(rid.lastIndexOf('/') + 1).toLowerCase() : undefined;
  }
  if (!isObject(ev) || (ev.kind !== undefined && ev.kind !== 'Event') || !asText(ev.auditID)) {
    return { kind: 'reject', reason: 'missing_field', detail: 'no auditID: not a Kubernetes audit Event' };
  }
  return fromEvent(ev, cluster, text, lineNo, options);
}

function fromEvent(e: JsonObject, cluster: string | undefined, raw: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const t = parseAnyTime(e.requestReceivedTimestamp) ?? parseAnyTime(e.stageTimestamp);
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `requestReceivedTimestamp ${String(e.requestReceivedTimestamp).slice(0, 64)}` };
  const auditId = asText(e.auditID)!;
  const annotations = isObject(e.annotations) ? e.annotations : {};
  const status = isObject(e.responseStatus) ? e.responseStatus : {};
  const code = typeof status.code === 'number' ? status.code : undefined;
  const d = k8sDecision(asText(annotations['authorization.k8s.io/decision']), asText(annotations['authorization.k8s.io/reason']), code, asText(status.message), asText(status.reason), annotations);
  const user = isObject(e.user) ? e.user : {};
  const username = asText(user.username);
  const groups = Array.isArray(user.groups) ? user.groups.map(asText).filter((g): g is string => !!g) : [];
  const verb = asText(e.verb);
  const obj = isObject(e.objectRef) ? e.objectRef : {};
  const resource = [asText(obj.resource), asText(obj.subresource)].filter(Boolean).join('/');
  const target = asText(e.requestURI) ? splitTarget(asText(e.requestURI)!) : {};
  const method = verb ? VERB_METHOD[verb] : undefined;
  const ua = asText(e.userAgent);
  const ip = normalizeIp(Array.isArray(e.sourceIPs) ? asText(e.sourceIPs[0]) : undefined);
  const stage = asText(e.stage);
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(e)) if (!KNOWN.has(k) && v !== null && v !== undefined) extra[k] = asText(v) ?? JSON.stringify(v);
  const event: DenyEvent = {
    '@timestamp': isoFromMs(t.ms),
    event: compact({ dataset: DATASET, id: '', action: d.action, outcome: d.decision === 'deny' ? ('failure' as const) : d.decision === 'pass' ? ('success' as const) : ('unknown' as const), original: original(raw) }),
    observer: compact({ type: 'api-server', vendor: 'Kubernetes', product: 'kube-apiserver', name: cluster }),
    http: compact({ request: compact({ id: auditId, method }), response: code !== undefined ? { status_code: code } : undefined }),
    url: compact({ path: target.path, query: target.query, original: asText(e.requestURI) }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: username ? compact({ id: username, name: username, roles: groups.length ? groups : undefined }) : undefined,
    organization: asText(obj.namespace) ? { id: asText(obj.namespace)! } : undefined,
    rule: d.rule,
    denytrace: compact({
      layer: 'app' as const,
      component: 'kubernetes',
      hop: HOP.app,
      decision: d.decision,
      correlation_ids: uniqueIds([cid('audit', auditId)]),
      permission: verb ? `${verb}${resource ? ` ${resource}` : ''}` : undefined,
      rule_type: d.rule_type,
      evidence: [stage ? `stage ${stage}` : undefined, d.evidence].filter(Boolean).join('; ') || undefined,
      extra_fields: Object.keys(extra).length ? extra : undefined,
      match_key: matchKey(method, target.path, target.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  };
  return { kind: 'event', event: deferEventId(compact(event), raw) };
}

/** gRPC status codes GKE writes in `protoPayload.status.code` (https://cloud.google.com/apis/design/errors#handling_errors). */
const GRPC_HTTP: Readonly<Record<number, number>> = { 0: 200, 3: 400, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 13: 500, 14: 503, 16: 401 };

function fromGke(o: JsonObject, raw: string, lineNo: number, options: ParserOptions): ParseOutcome {
  const p = o.protoPayload as JsonObject;
  const t = parseAnyTime(o.timestamp);
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `timestamp ${String(o.timestamp).slice(0, 64)}` };
  const labels = isObject(o.labels) ? o.labels : {};
  const st = isObject(p.status) ? p.status : {};
  const grpc = typeof st.code === 'number' ? st.code : undefined;
  const code = grpc !== undefined ? GRPC_HTTP[grpc] : undefined;
  const d = k8sDecision(asText(labels['authorization.k8s.io/decision']), asText(labels['authorization.k8s.io/reason']), code, asText(st.message), undefined, labels);
  const methodName = asText(p.methodName) ?? '';
  const verb = methodName.slice(methodName.lastIndexOf('.') + 1) || undefined;
  const auth = isObject(p.authenticationInfo) ? p.authenticationInfo : {};
  const meta = isObject(p.requestMetadata) ? p.requestMetadata : {};
  const principal = asText(auth.principalEmail);
  const ua = asText(meta.callerSuppliedUserAgent);
  const ip = normalizeIp(asText(meta.callerIp));
  const op = isObject(o.operation) ? o.operation : {};
  const opId = asText(op.producer) === 'k8s.io' ? asText(op.id) : undefined;
  const resourceName = asText(p.resourceName);
  const res = isObject(o.resource) && isObject(o.resource.labels) ? o.resource.labels : {};
  const event: DenyEvent = {
    '@timestamp': isoFromMs(t.ms),
    event: compact({ dataset: DATASET, id: '', action: d.action, outcome: d.decision === 'deny' ? ('failure' as const) : d.decision === 'pass' ? ('success' as const) : ('unknown' as const), original: original(raw) }),
    observer: compact({ type: 'api-server', vendor: 'Kubernetes', product: 'kube-apiserver', name: asText(res.cluster_name) }),
    http: compact({ request: compact({ id: opId, method: verb ? VERB_METHOD[verb] : undefined }), response: code !== undefined ? { status_code: code } : undefined }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: principal ? { id: principal, name: principal } : undefined,
    rule: d.rule,
    denytrace: compact({
      layer: 'app' as const,
      component: 'kubernetes',
      hop: HOP.app,
      decision: d.decision,
      correlation_ids: uniqueIds([cid('audit', opId)]),
      permission: verb ? `${verb}${resourceName ? ` ${resourceName}` : ''}` : undefined,
      rule_type: d.rule_type,
      evidence: [`GKE ${methodName}`, d.evidence].filter(Boolean).join('; '),
      source_file: options.sourceName,
      line: lineNo,
    }),
  };
  return { kind: 'event', event: deferEventId(compact(event), raw) };
}
