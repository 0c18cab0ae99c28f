import { cfRayId, cid, deferEventId, HOP, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, matchKey, original } from './util/fields';
import { normalizeIp, splitHostPort } from './util/ip';
import { JsonLineAssembler } from './util/json-line-assembler';
import { asText, getPath, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { splitTarget, stripPort } from './util/url-request';
import { isoFromMs, parseAnyTime } from './util/time-parse';

/**
 * Open Policy Agent decision logs (https://www.openpolicyagent.org/docs/latest/management-decision-logs/):
 * one event per policy query, as OPA's console logger prints them (JSON lines with `msg: "Decision
 * Log"`), as a decision-log service receives them, or as a pretty-printed JSON array (the docs' example).
 * OPA's other server log lines (`level` + `msg` without `decision_id`) are skipped.
 *
 * Fields read: `decision_id`, `path` (the policy rule queried, `envoy/authz/allow`), `result` (`false`
 * → deny; an object → `allowed`/`allow` false → deny, `http_status` → status; `"true"`/`"false"`
 * strings as the docs print them), `bundles.<name>.revision`, `labels.id` (the OPA instance →
 * observer.name) and `labels.version`, `timestamp` (RFC 3339, ns → ms), `input`: the request as
 * opa-envoy-plugin gives it for Envoy's ext_authz (https://www.openpolicyagent.org/docs/latest/envoy-introduction/:
 * `input.attributes.request.http.{headers, id, method, path, host, protocol}`,
 * `input.attributes.source.address.socketAddress.address`) or plain `input.method`/`input.path`.
 *
 * Layer gateway (OPA answers Envoy's ext_authz check, which sits in the gateway), component `opa`,
 * hop {@link HOP.proxy}. Decisive rule: `rule.id` = `path`, `rule.name` = the query
 * (`data.envoy.authz.allow`), `rule.ruleset` = the bundle name(s); bundle revisions, decision id and
 * Envoy's stream id (`attributes.request.http.id`) are evidence. Ids: the `x-request-id` header →
 * `xrid:` (Envoy logs the same value), `traceparent`/`x-b3-traceid`/`x-amzn-trace-id` → `trace:`/`xray:`,
 * `cf-ray` → `cfray:`, `x-amz-cf-id` → `amzcf:`.
 */
export const opaDecisionFormat: LogFormat = {
  name: 'opa-decision',
  dataset: 'opa.decision_logs',
  description: 'Open Policy Agent decision logs (JSON lines from the console logger or a decision-log service; pretty-printed arrays too)',
  detect(sample: readonly string[]): number {
    let decisions = 0;
    let serverLines = 0;
    let seen = 0;
    for (const raw of sample) {
      const l = raw.trim();
      if (l === '') continue;
      seen++;
      if (l.charCodeAt(0) === 0x7b && l.includes('"decision_id"') && (l.includes('"result"') || l.includes('"path"'))) decisions++;
      else if (l.charCodeAt(0) === 0x7b && l.includes('"level"') && l.includes('"msg"') && !l.includes('"decision_id"')) serverLines++;
    }
    if (decisions > 0) return 0.9 * ((decisions + serverLines) / seen);
    // A pretty-printed record or array: look at the sample as one text.
    const text = sample.join('\n').trim();
    if ((text.startsWith('[') || text.startsWith('{')) && /"decision_id"\s*:/.test(text) && /"(result|path)"\s*:/.test(text) && /"(labels|input|bundles)"\s*:/.test(text)) return 0.85;
    // OPA's server log alone (no decision yet in the sample) only when it names OPA's own words.
    if (serverLines === seen && /"(decision-id|query)"\s*:|OPA is up to date|"msg":"Decision Log"/.test(text)) return 0.6;
    return 0;
  },
  createParser(options: ParserOptions): LineParser {
    const assembler = new JsonLineAssembler();
    let firstLine = 0;
    return {
      parse(line: string, lineNo: number): ParseOutcome {
        if (!assembler.open) firstLine = lineNo;
        const step = assembler.push(line);
        if (step.kind === 'skip') return { kind: 'skip' };
        if (step.kind === 'too_long') return { kind: 'reject', reason: 'line_too_long', detail: `JSON record from line ${firstLine} never closed within 1 MiB` };
        if (step.kind === 'other') return { kind: 'reject', reason: 'invalid_json', detail: 'not a JSON object' };
        return parseOpaRecord(step.text, lineNo, options);
      },
    };
  },
};

const DATASET = 'opa.decision_logs';

/** Parses one decision-log record (a whole JSON object). Pure. */
export function parseOpaRecord(text: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'reject', reason: 'invalid_json', detail: parsed.detail };
  const o = parsed.value;
  if (o.decision_id === undefined) {
    if (typeof o.level === 'string' && typeof o.msg === 'string') return { kind: 'skip' }; // OPA server log line
    return { kind: 'reject', reason: 'missing_field', detail: 'no decision_id: not an OPA decision-log record' };
  }
  const decisionId = asText(o.decision_id);
  const ts = parseAnyTime(o.timestamp) ?? parseAnyTime(o.time);
  if (!ts) return { kind: 'reject', reason: 'invalid_timestamp', detail: `timestamp ${String(o.timestamp ?? o.time).slice(0, 64)}` };

  const { decision, status } = readResult(o.result);
  const path = asText(o.path);
  const bundles = isObject(o.bundles) ? Object.entries(o.bundles) : [];
  const revisions = bundles.map(([name, b]) => `bundle ${name} revision ${isObject(b) ? asText(b.revision) ?? '?' : '?'}`);
  const labels = isObject(o.labels) ? o.labels : {};

  const input = isObject(o.input) ? o.input : {};
  const http = getPath(input, 'attributes.request.http');
  const req: JsonObject = isObject(http) ? http : {};
  const headers = lowerKeys(isObject(req.headers) ? req.headers : {});
  const method = asText(req.method) ?? headers[':method'] ?? asText(input.method);
  const rawPath = asText(req.path) ?? headers[':path'] ?? (typeof input.path === 'string' ? input.path : undefined);
  const target = rawPath ? splitTarget(rawPath) : {};
  const host = asText(req.host) ?? headers[':authority'];
  const ua = headers['user-agent'];
  const xrid = headers['x-request-id'];
  const sourceAddr = asText(getPath(input, 'attributes.source.address.socketAddress.address'));
  const ip = normalizeIp(sourceAddr) ?? normalizeIp(splitHostPort(headers['x-forwarded-for']?.split(',')[0])?.host);
  const streamId = asText(req.id);
  const traceIds = [headers.traceparent, headers['x-b3-traceid'], headers['x-amzn-trace-id']].flatMap((v) => traceCorrelationIds(v));
  const w3c = traceIds.find((i) => i.startsWith('trace:'))?.slice(6);

  const evidence = [
    decisionId ? `decision_id=${decisionId}` : undefined,
    ...revisions,
    streamId ? `envoy stream id ${streamId}` : undefined,
    asText(labels.version) ? `opa ${asText(labels.version)}` : undefined,
  ].filter(Boolean);

  const event: DenyEvent = {
    '@timestamp': isoFromMs(ts.ms),
    event: compact({
      dataset: DATASET,
      id: '',
      action: decision === 'deny' ? 'deny' : decision === 'pass' ? 'allow' : undefined,
      outcome: decision === 'deny' ? ('failure' as const) : decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(text),
    }),
    observer: compact({ type: 'authorizer', vendor: 'Open Policy Agent', product: 'OPA', name: asText(labels.id) }),
    http: compact({
      request: compact({ id: xrid, method }),
      response: status !== undefined ? { status_code: status } : undefined,
      version: asText(req.protocol)?.replace(/^HTTP\//, ''),
    }),
    url: compact({ domain: host ? stripPort(host) : undefined, path: target.path, query: target.query }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    rule: path ? compact({ id: path, name: `data.${path.replace(/\//g, '.')}`, ruleset: bundles.length ? bundles.map(([n]) => n).join(',') : 'opa' }) : undefined,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'opa',
      hop: HOP.proxy,
      decision,
      correlation_ids: uniqueIds([cid('xrid', xrid), ...traceIds, cid('cfray', cfRayId(headers['cf-ray'])), cid('amzcf', headers['x-amz-cf-id'])]),
      rule_type: path ? 'opa-policy' : undefined,
      evidence: evidence.length ? evidence.join('; ') : undefined,
      match_key: matchKey(method, target.path, target.query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  };
  return { kind: 'event', event: deferEventId(compact(event), text) };
}

/**
 * The decision in `result`: a boolean (or the docs' `"true"`/`"false"` strings); an object with
 * `allowed` or `allow` (opa-envoy-plugin's `{allowed, http_status, headers, body}`); anything else
 * (a set, a number, no result after an error) cannot be read as allow or deny.
 */
function readResult(r: unknown): { decision: Decision; status?: number } {
  const word = (v: unknown): Decision | undefined => (v === true || v === 'true' ? 'pass' : v === false || v === 'false' ? 'deny' : undefined);
  const direct = word(r);
  if (direct) return { decision: direct };
  if (isObject(r)) {
    const d = word(r.allowed) ?? word(r.allow);
    const s = typeof r.http_status === 'number' && r.http_status >= 100 && r.http_status <= 999 ? r.http_status : undefined;
    return { decision: d ?? 'unknown', status: s };
  }
  return { decision: 'unknown' };
}

function lowerKeys(o: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const t = asText(v) ?? (Array.isArray(v) ? asText(v[0]) : undefined);
    if (t !== undefined) out[k.toLowerCase()] = t;
  }
  return out;
}
