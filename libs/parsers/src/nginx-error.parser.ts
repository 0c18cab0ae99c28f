import { HOP, type DenyEvent, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { matchKey, original } from './util/fields';
import { normalizeIp } from './util/ip';
import { NGINX_OBSERVER } from './util/nginx-event';
import { isoFromMs, parseNginxErrorTime } from './util/time-parse';
import { splitRequestLine, stripPort } from './util/url-request';

/** `event.dataset` of nginx error-log events. */
export const NGINX_ERROR_DATASET = 'nginx.error';

/**
 * nginx error log (`error_log`, http://nginx.org/en/docs/ngx_core_module.html#error_log; line
 * layout from src/core/ngx_log.c and the request context ngx_http_log_error appends):
 * `yyyy/mm/dd HH:MM:SS [level] pid#tid: *conn message, client: IP, server: NAME, request: "…", host: "…"`.
 * The time has no zone: it is read as UTC (`denytrace.tz_offset_minutes: 0`, no option changes it).
 *
 * Only request refusals become events (layer gateway, component nginx, hop HOP.proxy, decision
 * deny, upstream_status null, no correlation ids — join by `match_key`, client and time):
 * - `access forbidden by rule` (ngx_http_access_module allow/deny) → 403, rule
 *   `<first path segment>-allowlist` (`/` → `root-allowlist`), rule_type `access`;
 * - `directory index of "…" is forbidden` (ngx_http_index/autoindex) → 403, `autoindex-forbidden`;
 * - ngx_http_auth_basic_module failures (`user "x" was not found`, `password mismatch`,
 *   `no user/password was provided`) → 401, `auth_basic`;
 * - ngx_http_limit_req_module `limiting requests, excess: … by zone "z"` → `limit_req zone "z"`;
 *   ngx_http_limit_conn_module `limiting connections by zone "z"` → `limit_conn zone "z"`. Both
 *   answer `limit_req_status`/`limit_conn_status`, 503 by default; the log does not say which, so
 *   503 is assumed.
 * Every other line (upstream timeouts, file not found, `delaying request`) is `skip`: not a refusal.
 */
export const nginxErrorFormat: LogFormat = {
  name: 'nginx-error',
  dataset: NGINX_ERROR_DATASET,
  description: 'nginx error log: allow/deny, auth_basic, limit_req/limit_conn refusals',
  detect: (sample) => {
    const lines = sample.filter((l) => l.trim() !== '').slice(0, 20);
    if (lines.length === 0) return 0;
    return (lines.filter((l) => HEAD.test(l)).length / lines.length) * 0.95;
  },
  createParser: (options: ParserOptions) => new NginxErrorParser(options),
};

const HEAD = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[([a-z]+)\] (\d+)#(\d+): (?:\*(\d+) )?/;

interface Refusal {
  status: number;
  id: string;
  name: string;
  type: string;
  description?: string;
}

class NginxErrorParser implements LineParser {
  constructor(private readonly options: ParserOptions) {}

  parse(line: string, lineNo: number): ParseOutcome {
    const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    if (raw.trim() === '') return { kind: 'skip' };
    const head = HEAD.exec(raw);
    if (!head) return { kind: 'reject', reason: 'no_match', detail: 'not an nginx error-log line' };
    const time = parseNginxErrorTime(head[1]);
    if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: head[1] };
    const body = raw.slice(head[0].length);
    const ctx = requestContext(body);
    const message = ctx ? body.slice(0, ctx.at) : body;
    const ctxFields = ctx?.fields ?? new Map<string, string>();
    const req = splitRequestLine(ctxFields.get('request'));
    const refusal = classify(message, req.path);
    if (!refusal) return { kind: 'skip' };

    const clientRaw = ctxFields.get('client');
    const ip = normalizeIp(clientRaw);
    if (clientRaw !== undefined && ip === undefined) return { kind: 'reject', reason: 'invalid_ip', detail: `client ${clientRaw.slice(0, 64)}` };
    const host = ctxFields.get('host');
    const server = ctxFields.get('server');
    const e: DenyEvent = {
      '@timestamp': isoFromMs(time.ms),
      event: { dataset: NGINX_ERROR_DATASET, id: '', action: 'deny', outcome: 'failure', original: original(raw) },
      observer: { ...NGINX_OBSERVER, ...(server ? { name: server } : {}) },
      http: {
        request: req.method ? { method: req.method } : undefined,
        response: { status_code: refusal.status },
        ...(req.version ? { version: req.version } : {}),
      },
      url: { domain: host ? stripPort(host) : server, path: req.path, query: req.query },
      ...(ip ? { source: { ip } } : {}),
      rule: { id: refusal.id, name: refusal.name, ruleset: 'nginx', ...(refusal.description ? { description: refusal.description } : {}) },
      denytrace: {
        layer: 'gateway',
        component: 'nginx',
        hop: HOP.proxy,
        decision: 'deny',
        upstream_status: null,
        correlation_ids: [],
        rule_type: refusal.type,
        evidence: `nginx error.log [${head[2]}]: ${message.slice(0, 200)}`,
        match_key: matchKey(req.method, req.path, req.query, undefined) ?? '',
        source_file: this.options.sourceName,
        line: lineNo,
        tz_offset_minutes: 0,
      },
    };
    if (e.http?.request === undefined) delete e.http?.request;
    for (const k of ['domain', 'path', 'query'] as const) if (e.url?.[k] === undefined) delete e.url?.[k];
    return { kind: 'event', event: deferEventId(e, raw) };
  }
}

/** The refusal a message reports, or undefined for every other error-log message. */
function classify(message: string, path: string | undefined): Refusal | undefined {
  if (message.startsWith('access forbidden by rule')) {
    const seg = firstSegment(path);
    return {
      status: 403,
      id: `${seg ?? 'root'}-allowlist`,
      name: `nginx allow/deny rules (ngx_http_access_module) for /${seg ? seg + '/' : ''}`,
      type: 'access',
    };
  }
  const dir = /^directory index of "(?:[^"\\]|\\.)*" is forbidden/.exec(message);
  if (dir) return { status: 403, id: 'autoindex-forbidden', name: 'directory index forbidden (ngx_http_index_module / autoindex off)', type: 'autoindex', description: dir[0] };
  if (/^user "(?:[^"\\]|\\.)*"(?: was not found in "|: password mismatch)/.test(message) || message.startsWith('no user/password was provided for basic authentication')) {
    return { status: 401, id: 'auth_basic', name: 'HTTP basic authentication (ngx_http_auth_basic_module)', type: 'auth_basic', description: message.slice(0, 200) };
  }
  const lr = /^limiting requests, excess: [0-9.]+ by zone "([^"]*)"/.exec(message);
  if (lr) return { status: 503, id: `limit_req zone "${lr[1]}"`, name: `limit_req zone "${lr[1]}" (ngx_http_limit_req_module)`, type: 'limit_req' };
  const lc = /^limiting connections by zone "([^"]*)"/.exec(message);
  if (lc) return { status: 503, id: `limit_conn zone "${lc[1]}"`, name: `limit_conn zone "${lc[1]}" (ngx_http_limit_conn_module)`, type: 'limit_conn' };
  return undefined;
}

function firstSegment(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const seg = path.split('/').find((s) => s !== '');
  return seg || undefined;
}

const CTX_KEYS = new Set(['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer']);

/**
 * Finds the `, client: …` context nginx appends and reads it as `key: value` pairs (quoted values
 * for request/upstream/host/referrer). A message can itself contain `, client: ` (a crafted path),
 * so candidates are tried from the first; only a tail that reads cleanly to the end, with each key
 * once and a valid client address, counts. At most
 * four candidates are tried, which keeps a crafted line linear.
 */
function requestContext(body: string): { at: number; fields: Map<string, string> } | undefined {
  let at = body.indexOf(', client: ');
  for (let tries = 0; at >= 0 && tries < 4; tries++) {
    const fields = readContext(body, at);
    if (fields) return { at, fields };
    at = body.indexOf(', client: ', at + 1);
  }
  return undefined;
}

function readContext(s: string, start: number): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = start;
  while (i < s.length) {
    if (!s.startsWith(', ', i)) return undefined;
    i += 2;
    const colon = s.indexOf(': ', i);
    if (colon < 0) return undefined;
    const key = s.slice(i, colon);
    if (!CTX_KEYS.has(key)) return undefined;
    i = colon + 2;
    let value: string;
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) return undefined;
      value = s.slice(i + 1, j);
      i = j + 1;
    } else {
      const end = s.indexOf(', ', i);
      value = s.slice(i, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end;
    }
    if (out.has(key) || (key === 'client' && normalizeIp(value) === undefined)) return undefined;
    out.set(key, value);
  }
  return out.has('client') ? out : undefined;
}
