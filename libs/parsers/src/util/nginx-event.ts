import { HOP, REFUSAL_STATUSES, cfRayId, cid, traceCorrelationIds, uniqueIds, xrayRoot, xrayToW3c, type DenyEvent, type Decision, deferEventId } from '@denytrace/schema';
import type { ParseOutcome } from '../parser';
import { intField, matchKey, original, present, statusField } from './fields';
import { normalizeIp } from './ip';
import { KNOWN_NGINX_VARS, finalUpstreamStatus } from './nginx-vars';
import { isoFromMs, parseAnyTime, parseEpoch, parseIsoTime, parseNginxTimeLocal } from './time-parse';
import { portOf, splitRequestLine, splitTarget, stripPort, type RequestLine } from './url-request';

/** `event.dataset` of nginx access events. */
export const NGINX_ACCESS_DATASET = 'nginx.access';

/** The observer every nginx event carries (nginx is made by F5). */
export const NGINX_OBSERVER = { type: 'proxy', vendor: 'F5', product: 'nginx' } as const;

/**
 * Who logged an nginx-shaped record: plain nginx by default; products built on nginx (the
 * ingress-nginx controller) give their own dataset, component and observer.
 */
export interface NginxFlavor {
  dataset: string;
  component: string;
  observer: { type: string; vendor: string; product: string };
  /** Variables kept in `extra_fields` even though the builder knows them (`proxy_upstream_name`). */
  keep?: readonly string[];
}

const PLAIN_NGINX: NginxFlavor = { dataset: NGINX_ACCESS_DATASET, component: 'nginx', observer: NGINX_OBSERVER };

/** Where a record came from. */
export interface NginxRecordSource {
  raw: string;
  lineNo: number;
  sourceName?: string;
}

/**
 * Builds the normalized event for one nginx access record from its variables (canonical names
 * without `$`, values unescaped, `-` meaning absent). Variables read: remote_addr, remote_port,
 * remote_user, time_local | time_iso8601 | msec | time_any, request | request_method + request_uri |
 * uri + args, server_protocol, status, body_bytes_sent | bytes_sent, request_length, http_referer,
 * http_user_agent, host | server_name | http_host, server_port, hostname, request_id,
 * http_x_request_id, http_x_amz_cf_id, http_x_amzn_trace_id, http_traceparent, http_cf_ray,
 * upstream_status. Decision: with `upstream_status` present in the format, `-` plus a refusal status
 * is `deny` (nginx answered itself), a number is `pass`; without it, `unknown`.
 */
export function nginxAccessEvent(vars: ReadonlyMap<string, string>, src: NginxRecordSource, flavor: NginxFlavor = PLAIN_NGINX): ParseOutcome {
  const v = (k: string): string | undefined => present(vars.get(k)?.trim());
  const time = readTime(vars);
  if (time === 'missing') return { kind: 'reject', reason: 'missing_field', detail: 'no $time_local, $time_iso8601 or $msec' };
  if (time === 'invalid') return { kind: 'reject', reason: 'invalid_timestamp', detail: 'unreadable nginx time' };

  const rawIp = v('remote_addr');
  const ip = rawIp === undefined || rawIp.startsWith('unix:') ? undefined : normalizeIp(rawIp);
  if (rawIp !== undefined && !rawIp.startsWith('unix:') && ip === undefined) {
    return { kind: 'reject', reason: 'invalid_ip', detail: `remote_addr ${rawIp.slice(0, 64)}` };
  }
  const statusText = v('status');
  const status = statusField(statusText);
  if (statusText !== undefined && status === undefined) return { kind: 'reject', reason: 'invalid_field', detail: `status ${statusText.slice(0, 32)}` };

  const req = readRequest(vars);
  const hostRaw = v('host') ?? v('server_name') ?? v('http_host');
  const domain = req.domain ?? (hostRaw ? stripPort(hostRaw) : undefined);
  const port = intField(v('server_port')) ?? (hostRaw ? portOf(hostRaw) : undefined);
  const ua = v('http_user_agent');

  const hasUpstream = vars.has('upstream_status');
  const upstream = hasUpstream ? finalUpstreamStatus(vars.get('upstream_status')) : undefined;
  let decision: Decision = 'unknown';
  let action: string | undefined;
  let evidence: string | undefined;
  if (hasUpstream && upstream === null) {
    if (status !== undefined && REFUSAL_STATUSES.has(status)) {
      decision = 'deny';
      action = 'deny';
      evidence = `${flavor.component} answered ${status} itself (upstream_status -)`;
    } else decision = 'pass';
  } else if (hasUpstream && upstream !== undefined) {
    decision = 'pass';
    action = 'allow';
  }

  const requestId = v('request_id') ?? v('req_id');
  const xRequestId = v('http_x_request_id');
  const traceValues = [v('http_x_amzn_trace_id'), v('http_traceparent')];
  const ids = uniqueIds([
    cid('xrid', requestId), cid('xrid', xRequestId), cid('amzcf', v('http_x_amz_cf_id')),
    ...traceValues.flatMap((t) => traceCorrelationIds(t)),
    cid('cfray', cfRayId(v('http_cf_ray'))),
  ]);
  const traceId = w3cTraceId(traceValues);

  const e: DenyEvent = {
    '@timestamp': isoFromMs(time.ms),
    event: {
      dataset: flavor.dataset,
      id: '',
      action,
      outcome: decision === 'deny' ? 'failure' : decision === 'pass' ? 'success' : 'unknown',
      original: original(src.raw),
    },
    observer: { ...flavor.observer, ...(v('hostname') ? { name: v('hostname') } : {}) },
    http: {
      request: compact({ id: requestId ?? xRequestId, method: req.method, referrer: v('http_referer'), bytes: intField(v('request_length')) }),
      response: compact({ status_code: status, bytes: intField(v('body_bytes_sent') ?? v('bytes_sent')) }),
      ...(req.version ? { version: req.version } : {}),
    },
    url: compact({ domain, path: req.path, query: req.query, original: req.path ? undefined : req.original, scheme: req.scheme, port }),
    source: compact({ ip, port: intField(v('remote_port')) }),
    ...(ua ? { user_agent: { original: ua } } : {}),
    ...(v('remote_user') ? { user: { name: v('remote_user') } } : {}),
    ...(traceId ? { trace: { id: traceId } } : {}),
    denytrace: {
      layer: 'gateway',
      component: flavor.component,
      hop: HOP.proxy,
      decision,
      ...(hasUpstream && upstream !== undefined ? { upstream_status: upstream } : {}),
      correlation_ids: ids,
      ...(evidence ? { evidence } : {}),
      match_key: matchKey(req.method, req.path, req.query, ua) ?? '',
      source_file: src.sourceName,
      line: src.lineNo,
      ...(time.offsetMinutes !== undefined ? { tz_offset_minutes: time.offsetMinutes } : {}),
    },
  };
  const extra = extraFields(vars, flavor.keep);
  if (extra) e.denytrace.extra_fields = extra;
  return { kind: 'event', event: deferEventId(e, src.raw) };
}

function readTime(vars: ReadonlyMap<string, string>): { ms: number; offsetMinutes?: number } | 'missing' | 'invalid' {
  const local = present(vars.get('time_local'));
  if (local) return parseNginxTimeLocal(local) ?? 'invalid';
  const iso = present(vars.get('time_iso8601'));
  if (iso) return parseIsoTime(iso) ?? 'invalid';
  const msec = present(vars.get('msec'));
  if (msec) {
    const t = parseEpoch(msec);
    return t ? { ms: t.ms } : 'invalid';
  }
  const any = present(vars.get('time_any'));
  if (any) return parseNginxTimeLocal(any) ?? parseAnyTime(any) ?? 'invalid';
  return 'missing';
}

function readRequest(vars: ReadonlyMap<string, string>): RequestLine {
  const line = vars.get('request');
  const fromLine = line !== undefined ? splitRequestLine(line) : {};
  const method = fromLine.method ?? present(vars.get('request_method'));
  if (fromLine.path !== undefined) return { ...fromLine, method };
  const uri = present(vars.get('request_uri'));
  const proto = present(vars.get('server_protocol'));
  const version = fromLine.version ?? (proto?.startsWith('HTTP/') ? proto.slice(5) : undefined);
  if (uri) return { ...splitTarget(uri), method, version };
  const path = present(vars.get('uri'));
  if (path) return { path, query: present(vars.get('args')), method, version };
  return { ...fromLine, method, version };
}

function w3cTraceId(values: Array<string | undefined>): string | undefined {
  for (const t of values) {
    const root = xrayRoot(t);
    if (root) return xrayToW3c(root);
    const ids = traceCorrelationIds(t);
    if (ids[0]?.startsWith('trace:')) return ids[0].slice(6);
  }
  return undefined;
}

function extraFields(vars: ReadonlyMap<string, string>, keep: readonly string[] = []): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [k, val] of vars) {
    if ((KNOWN_NGINX_VARS.has(k) && !keep.includes(k)) || val === '-' || val === '') continue;
    (out ??= {})[k] = val;
  }
  return out;
}

/** Drops undefined members; returns undefined when nothing is left. */
function compact<T extends object>(o: T): T | undefined {
  // Copies instead of deleting keys: `delete` makes V8 objects slow dictionaries.
  let out: T | undefined;
  for (const k in o) {
    if (o[k] === undefined) continue;
    (out ??= {} as T)[k] = o[k];
  }
  return out;
}
