import { HOP, REFUSAL_STATUSES, cid, deferEventId, traceCorrelationIds, uniqueIds, xrayRoot, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, intField, matchKey, original, present } from './util/fields';
import { normalizeIp, splitHostPort } from './util/ip';
import { isoFromMs, parseNginxTimeLocal } from './util/time-parse';
import { splitRequestLine } from './util/url-request';

/** `event.dataset` of HAProxy events (Elastic's `haproxy.log`). */
export const HAPROXY_DATASET = 'haproxy.log';

/**
 * HAProxy HTTP log format (`option httplog`), with or without a syslog prefix. Source: HAProxy
 * configuration manual, "8.2.3. HTTP log format" and "8.5. Session state at disconnection"
 * (https://docs.haproxy.org/2.8/configuration.html#8.2.3,
 * https://docs.haproxy.org/2.8/configuration.html#8.5). Layer `gateway`, component `haproxy`, hop
 * HOP.proxy, observer `{ type: 'proxy', vendor: 'HAProxy Technologies', product: 'HAProxy', name:
 * syslog host when logged }`.
 *
 * `client_ip:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes_read
 * captured_request_cookie captured_response_cookie termination_state
 * actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue {captured request headers}
 * {captured response headers} "request"` — the header captures appear only when configured; the
 * request may be cut by HAProxy's length limit (no closing quote). `accept_date` has no zone: it is
 * read as UTC (`denytrace.tz_offset_minutes` 0). Frontend, backend, server, termination state,
 * timers, connection counts, queues, cookies and header captures are kept in `extra_fields` under
 * these names. A captured request header holding an X-Amzn-Trace-Id, a traceparent, or a UUID /
 * 32-hex id (a captured `X-Request-ID` or `unique-id-header`) gives `xray:`/`trace:`/`xrid:` ids.
 *
 * Decision from the termination state (first character: who ended the session, second: in which
 * phase): `P` (the proxy blocked it: `http-request deny`, tarpit, a security check) → `deny`, rule
 * `http-request-deny` (PR), `http-request-tarpit` (PT), `http-response-deny` (PH, PD), else
 * `proxy-<state>`; `L` (answered locally: `http-request return`, auth, stats) with a refusal status
 * → `deny`, rule `http-request-return`; no server (`<NOSRV>`) with a refusal status → `deny`; a
 * server that answered (Tr ≥ 0) → `pass` with `upstream_status` = the status. Rule ruleset = the
 * frontend. Other HAProxy lines (start-up and health messages, `SSL handshake failure`, TCP-mode
 * logs) are skipped; lines of no HAProxy shape are rejected.
 */
export const haproxyFormat: LogFormat = {
  name: 'haproxy',
  dataset: HAPROXY_DATASET,
  description: 'HAProxy HTTP log (option httplog), with or without syslog prefix; termination state decides',
  detect(sample: readonly string[]): number {
    let hits = 0;
    let misses = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      if (httpLogBody(l)) hits++;
      else if (!OTHER_HAPROXY.test(l) && !SESSION_PREFIX.test(l)) misses++;
    }
    return hits === 0 ? 0 : hits / (hits + misses);
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseHaproxyLine(line, lineNo, options) };
  },
};

const BODY_START = /\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?\] /;
const HTTP_LOG =
  /^(\S+):(\d+) \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\] (\S+) (\S+)\/(\S+) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/(\+?-?\d+) (-?\d+) (\+?\d+) (\S+) (\S+) ([A-Za-z-]{4}) (\d+)\/(\d+)\/(\d+)\/(\d+)\/(\+?\d+) (\d+)\/(\d+)(?: \{([^}]*)\})?(?: \{([^}]*)\})? "(.*)$/;
/** HAProxy's own messages under its syslog tag (`haproxy[123]: Proxy www started.`). */
const OTHER_HAPROXY = /(?:^|\s)haproxy(?:\[\d+\])?: /;
/** A session line that is not an HTTP log (`… [date] fe/bind: SSL handshake failure`, TCP logs). */
const SESSION_PREFIX = /^(?:.*?\s)?\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?\] /;
/** `Feb  6 12:14:14 host haproxy[14389]: ` → host. */
const SYSLOG_HOST = /^(?:<\d+>)?(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\S+) (\S+) /;

function httpLogBody(line: string): { m: RegExpExecArray; prefix: string } | undefined {
  const at = line.search(BODY_START);
  if (at < 0 || (at > 0 && line[at - 1] !== ' ')) return undefined;
  const m = HTTP_LOG.exec(at === 0 ? line : line.slice(at));
  return m ? { m, prefix: line.slice(0, at) } : undefined;
}

/** Parses one HAProxy log line. Pure. */
export function parseHaproxyLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (raw.trim() === '') return { kind: 'skip' };
  const body = httpLogBody(raw);
  if (!body) {
    if (OTHER_HAPROXY.test(raw) || SESSION_PREFIX.test(raw)) return { kind: 'skip' };
    return { kind: 'reject', reason: 'no_match', detail: 'not an HAProxy HTTP log line' };
  }
  const m = body.m;
  const t = parseNginxTimeLocal(`${m[3]} +0000`);
  if (!t) return { kind: 'reject', reason: 'invalid_timestamp', detail: `accept_date ${m[3]}` };
  const client = splitHostPort(`${m[1]}:${m[2]}`);
  const ip = normalizeIp(client?.host);
  if (!ip) return { kind: 'reject', reason: 'invalid_ip', detail: `client ${m[1].slice(0, 64)}` };

  const [frontend, backend, server] = [m[4], m[5], m[6]];
  const tr = Number(m[10]);
  const statusN = Number(m[12]);
  const status = statusN >= 100 && statusN <= 999 ? statusN : undefined;
  const state = m[16];
  const reqHeaders = m[24];
  const request = m[26].endsWith('"') ? m[26].slice(0, -1) : m[26];
  const req = splitRequestLine(request);
  const v = haproxyVerdict(state, status, server, tr, frontend);

  const ids: Array<string | undefined> = [];
  for (const h of reqHeaders?.split('|') ?? []) ids.push(...capturedIds(h.trim()));
  const extra = compact<Record<string, string | undefined>>({
    frontend_name: frontend, backend_name: backend, server_name: server, termination_state: state,
    timers: `${m[7]}/${m[8]}/${m[9]}/${m[10]}/${m[11]}`,
    conns: `${m[17]}/${m[18]}/${m[19]}/${m[20]}/${m[21]}`, retries: m[21].replace(/^\+/, ''), queues: `${m[22]}/${m[23]}`,
    captured_request_cookie: present(m[14]), captured_response_cookie: present(m[15]),
    captured_request_headers: present(reqHeaders), captured_response_headers: present(m[25]),
  });
  const d = v.decision;
  const event: DenyEvent = compact({
    '@timestamp': isoFromMs(t.ms),
    event: compact({
      dataset: HAPROXY_DATASET,
      id: '',
      action: d === 'deny' ? 'deny' : d === 'pass' ? 'allow' : undefined,
      outcome: d === 'deny' ? ('failure' as const) : d === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(raw),
    }),
    observer: compact({ type: 'proxy', vendor: 'HAProxy Technologies', product: 'HAProxy', name: SYSLOG_HOST.exec(body.prefix)?.[1] }),
    http: compact({
      request: compact({ method: req.method }),
      response: compact({ status_code: status, bytes: intField(m[13].replace(/^\+/, '')) }),
      version: req.version,
    }),
    url: compact({ scheme: req.scheme, domain: req.domain, path: req.path, query: req.query, original: req.path ? undefined : req.original }),
    source: compact({ ip, port: client?.port }),
    rule: v.rule,
    denytrace: compact({
      layer: 'gateway' as const,
      component: 'haproxy',
      hop: HOP.proxy,
      decision: d,
      upstream_status: v.upstream,
      correlation_ids: uniqueIds(ids),
      rule_type: v.rule ? 'termination-state' : undefined,
      evidence: `termination_state=${state} ${frontend} ${backend}/${server} status=${m[12]}`,
      extra_fields: extra as Record<string, string>,
      match_key: matchKey(req.method, req.path, req.query, undefined),
      source_file: options.sourceName,
      line: lineNo,
      tz_offset_minutes: 0,
    }),
  });
  return { kind: 'event', event: deferEventId(event, raw) };
}

const STATE_RULES: Readonly<Record<string, string>> = { R: 'http-request-deny', T: 'http-request-tarpit', H: 'http-response-deny', D: 'http-response-deny' };

interface HaproxyVerdict {
  decision: Decision;
  upstream?: number | null;
  rule?: DenyEvent['rule'];
}

/** HAProxy's own part in the response (rules in {@link haproxyFormat}'s docstring). */
export function haproxyVerdict(state: string, status: number | undefined, server: string, tr: number, frontend: string): HaproxyVerdict {
  const who = state[0];
  const phase = state[1];
  const rule = (id: string, what: string): DenyEvent['rule'] => ({ id, name: `HAProxy ${what} (termination state ${state})`, ruleset: frontend });
  if (who === 'P') {
    const id = STATE_RULES[phase] ?? `proxy-${state}`;
    return { decision: 'deny', upstream: phase === 'H' || phase === 'D' ? undefined : null, rule: rule(id, id.replace(/-/g, ' ')) };
  }
  const refusal = status !== undefined && REFUSAL_STATUSES.has(status);
  if (who === 'L' && refusal) return { decision: 'deny', upstream: null, rule: rule('http-request-return', 'local response (http-request return, auth or stats)') };
  if (server === '<NOSRV>' && refusal) return { decision: 'deny', upstream: null };
  if (server !== '<NOSRV>' && tr >= 0 && status !== undefined) return { decision: 'pass', upstream: status };
  if (status !== undefined && status < 400) return { decision: 'pass' };
  return { decision: 'unknown' };
}

const ID_LIKE = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Ids in one captured request header value (HAProxy does not log the header names). */
function capturedIds(v: string): Array<string | undefined> {
  if (v === '') return [];
  if (xrayRoot(v)) return traceCorrelationIds(v);
  if (/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/i.test(v)) return traceCorrelationIds(v);
  return ID_LIKE.test(v) ? [cid('xrid', v)] : [];
}
