import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { haproxyFormat, parseHaproxyLine } from './haproxy.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const CORPUS = 'corpus/haproxy/crowdsec-haproxy-logs.log';

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}
type Derived = { index: number; Success: boolean; Parsed?: Record<string, string> };

// The HTTP log example of the HAProxy manual, section 8.2.3, with its syslog prefix.
const DOC_EXAMPLE = 'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"';

describe('haproxyFormat', () => {
  it('detects the corpus file and the manual example; not nginx or JSON', () => {
    expect(haproxyFormat.detect(read(CORPUS).split('\n'))).toBe(1);
    expect(haproxyFormat.detect([DOC_EXAMPLE, 'Feb  6 12:14:14 localhost haproxy[14387]: Proxy http-in started.'])).toBe(1);
    expect(haproxyFormat.detect(read('corpus/nginx/crowdsec-nginx_http-logs.log').split('\n'))).toBe(0);
    expect(haproxyFormat.detect(['{"a":1}'])).toBe(0);
    expect(haproxyFormat.dataset).toBe('haproxy.log');
  });
});

describe('corpus against CrowdSec haproxy-logs expectations', () => {
  const outcomes = read(CORPUS).split('\n').map((l, i) => parseHaproxyLine(l, i + 1));
  const records = (JSON.parse(read('corpus/haproxy/crowdsec-haproxy-logs.s01-parse.derived.json')) as { records: Derived[] }).records;

  it('no line rejected: 2 HTTP logs, the TLS handshake lines skipped', () => {
    expect(outcomes.filter((o) => o.kind === 'reject')).toEqual([]);
    expect(outcomes.filter((o) => o.kind === 'event')).toHaveLength(2);
  });

  it.each(records.filter((r) => r.Parsed?.http_status_code).map((r) => [r.index, r.Parsed!] as const))('HTTP record %i matches field by field', (i, p) => {
    const e = ev(outcomes[i]);
    expect(e.source).toEqual({ ip: p.client_ip, port: Number(p.client_port) });
    expect(e.http?.response?.status_code).toBe(Number(p.http_status_code));
    expect(e.http?.response?.bytes).toBe(Number(p.bytes_read));
    expect(e.http?.request?.method).toBe(p.http_verb);
    expect(e.url?.path).toBe(p.http_request);
    expect(e.http?.version).toBe(p.http_version);
    const x = e.denytrace.extra_fields!;
    expect([x.frontend_name, x.backend_name, x.server_name, x.termination_state, x.retries]).toEqual([p.frontend_name, p.backend_name, p.server_name, p.termination_state, p.retries]);
    expect(x.timers).toBe(`${p.time_request}/${p.time_queue}/${p.time_backend_connect}/${p.time_backend_response}/${p.time_duration}`);
    expect(x.queues).toBe(`${p.srv_queue}/${p.backend_queue}`);
    // accept_date carries no zone: read as UTC.
    const [d, mon, rest] = p.accept_date.split('/');
    expect(e['@timestamp']).toBe(new Date(`${d} ${mon} ${rest.slice(0, 4)} ${rest.slice(5, 17)} UTC`).toISOString());
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'haproxy', hop: HOP.proxy, decision: 'pass', upstream_status: 200, tz_offset_minutes: 0 });
  });

  it('TLS handshake failures (CrowdSec bad_ssl_handshake) are not requests: skipped', () => {
    for (const i of [2, 3, 4]) expect(outcomes[i]).toEqual({ kind: 'skip' });
  });
});

describe('the syslog-prefixed manual example', () => {
  const e = ev(parseHaproxyLine(DOC_EXAMPLE, 1));
  it('reads the host, client, captures and request', () => {
    expect(e['@timestamp']).toBe('2009-02-06T12:14:14.655Z');
    expect(e.observer.name).toBe('localhost');
    expect(e.source).toEqual({ ip: '10.0.1.2', port: 33317 });
    expect(e.url?.path).toBe('/index.html');
    expect(e.denytrace.extra_fields).toMatchObject({ frontend_name: 'http-in', backend_name: 'static', server_name: 'srv1', captured_request_headers: '1wt.eu' });
    expect(e.denytrace.decision).toBe('pass');
  });
});

describe('termination state decides (manual 8.5: P = the proxy blocked it)', () => {
  it('PR-- 403 from <NOSRV>: http-request deny', () => {
    const line = '192.0.2.20:41234 [12/Mar/2024:14:02:11.482] fe-api fe-api/<NOSRV> 0/-1/-1/-1/0 403 212 - - PR-- 1/1/0/0/0 0/0 {api.example.com|6f1d1a2e-9a1c-4c58-8f62-1f9e7b0f3a11} "GET /admin HTTP/1.1"';
    const e = ev(parseHaproxyLine(line, 1));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.rule).toEqual({ id: 'http-request-deny', name: 'HAProxy http request deny (termination state PR--)', ruleset: 'fe-api' });
    expect(e.denytrace.correlation_ids).toEqual(['xrid:6f1d1a2e-9a1c-4c58-8f62-1f9e7b0f3a11']);
    expect(e.event).toMatchObject({ action: 'deny', outcome: 'failure' });
  });

  it('PT-- tarpit and LR-- local 401 are HAProxy\'s own', () => {
    const tarpit = '192.0.2.20:41235 [12/Mar/2024:14:02:11.482] fe-api fe-api/<NOSRV> -1/2000/-1/-1/2000 500 114 - - PT-- 1/1/0/0/0 0/0 "POST /login HTTP/1.1"';
    expect(ev(parseHaproxyLine(tarpit, 1)).rule?.id).toBe('http-request-tarpit');
    const auth = '192.0.2.20:41236 [12/Mar/2024:14:02:11.482] stats stats/<STATS> 0/0/0/0/0 401 223 - - LR-- 1/1/0/0/0 0/0 "GET /stats HTTP/1.1"';
    expect(ev(parseHaproxyLine(auth, 1))).toMatchObject({ rule: { id: 'http-request-return' }, denytrace: { decision: 'deny' } });
  });

  it('a server\'s 403 with a normal state is passed through', () => {
    const line = '192.0.2.20:41237 [12/Mar/2024:14:02:11.482] fe-api be-app/app1 0/0/1/5/6 403 120 - - ---- 1/1/0/0/0 0/0 "GET /orders/9 HTTP/1.1"';
    expect(ev(parseHaproxyLine(line, 1)).denytrace).toMatchObject({ decision: 'pass', upstream_status: 403 });
  });
});

describe('malformed input', () => {
  it('a line of no HAProxy shape is a counted rejection; HAProxy\'s own messages are skipped', () => {
    expect(parseHaproxyLine('hello world', 1)).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect(parseHaproxyLine('192.0.2.1:1 [99/Foo/2024:00:00:00.000] fe be/s 0/0/0/0/0 200 1 - - ---- 0/0/0/0/0 0/0 "GET / HTTP/1.1"', 1)).toMatchObject({ kind: 'reject' });
    expect(parseHaproxyLine('Feb  6 12:14:14 localhost haproxy[14387]: Proxy http-in started.', 1)).toEqual({ kind: 'skip' });
  });
});
