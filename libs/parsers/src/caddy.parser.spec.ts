import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { caddyFormat, parseCaddyLine } from './caddy.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const CORPUS = 'corpus/caddy/crowdsec-caddy-logs.log';

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}
type Derived = { index: number; Success: boolean; Parsed?: Record<string, string>; Meta?: Record<string, string> };
const input = read(CORPUS).split('\n');
const outcomes = input.map((l, i) => parseCaddyLine(l, i + 1));

describe('caddyFormat', () => {
  it('detects the access log; not the other JSON corpora', () => {
    expect(caddyFormat.detect(input)).toBe(1);
    expect(caddyFormat.detect(read('corpus/traefik/crowdsec-traefik_json.log').split('\n'))).toBe(0);
    expect(caddyFormat.detect(['{"level":"debug","ts":1,"logger":"http.handlers.reverse_proxy","msg":"selected upstream"}'])).toBe(0);
    expect(caddyFormat.dataset).toBe('caddy.access');
  });
});

describe('corpus against CrowdSec caddy-logs expectations', () => {
  const records = (JSON.parse(read('corpus/caddy/crowdsec-caddy-logs.s01-parse.derived.json')) as { records: Derived[] }).records;

  it('no line rejected; the reverse_proxy debug line is skipped', () => {
    expect(outcomes.filter((o) => o.kind === 'reject')).toEqual([]);
    expect(outcomes.filter((o) => o.kind === 'event')).toHaveLength(10);
    expect(outcomes[10]).toEqual({ kind: 'skip' });
  });

  it.each(records.map((r) => [r.index, r] as const))('record %i matches field by field', (i, r) => {
    if (!r.Success) {
      expect(outcomes[i].kind).toBe('skip');
      return;
    }
    const p = r.Parsed!;
    const m = r.Meta!;
    const e = ev(outcomes[i]);
    expect(e.source?.ip).toBe(p.remote_ip); // CrowdSec takes request.client_ip as remote_ip
    expect(e.http?.request?.method).toBe(p.verb);
    expect(e.url?.path).toBe(p.request);
    expect(e.http?.version).toBe(p.http_version);
    expect(e.user_agent?.original).toBe(p.http_user_agent);
    // Caddy's status 0 (no status written) is no HTTP status: absent here.
    expect(e.http?.response?.status_code).toBe(m.http_status === '0' ? undefined : Number(m.http_status));
    expect(`${e.url?.domain}:${e.url?.port}`).toBe(m.target_fqdn);
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'caddy', hop: HOP.proxy });
  });
});

describe('refusals', () => {
  it('the 401s with Caddy\'s basic_auth realm are Caddy refusing (CrowdSec: auth_fail)', () => {
    for (const i of [7, 8]) {
      const e = ev(outcomes[i]);
      expect(e.http?.response?.status_code).toBe(401);
      expect(e.denytrace.decision).toBe('deny');
      expect(e.rule).toEqual({ id: 'basic_auth', name: 'Caddy basic_auth handler (default realm "restricted")', ruleset: 'localhost:9080' });
    }
    expect(ev(outcomes[9])).toMatchObject({ user: { name: 'Bob' }, denytrace: { decision: 'pass' } });
  });

  const base = { level: 'error', ts: 1710252131.482, logger: 'http.log.access.log0', msg: 'handled request', request: { remote_ip: '192.0.2.5', remote_port: '50000', client_ip: '192.0.2.5', proto: 'HTTP/2.0', method: 'GET', host: 'app.example.com', uri: '/admin?x=1', headers: { 'User-Agent': ['curl/8.5.0'], 'X-Request-Id': ['req-abc-123'] }, tls: { version: 772 } }, bytes_read: 0, user_id: '', duration: 0.0001, size: 0, resp_headers: { Server: ['Caddy'] } };

  it('a 403 with err_id: a Caddy handler returned the error', () => {
    const e = ev(parseCaddyLine(JSON.stringify({ ...base, status: 403, err_id: 'ab12cd34', err_trace: 'caddyhttp.StaticError.ServeHTTP (staticerror.go:109)' }), 1));
    expect(e['@timestamp']).toBe('2024-03-12T14:02:11.482Z');
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toMatchObject({ id: 'error', name: 'caddyhttp.StaticError.ServeHTTP (staticerror.go:109)' });
    expect(e.denytrace.correlation_ids).toEqual(['xrid:req-abc-123']);
    expect(e.tls?.version).toBe('1.3');
  });

  it('a 403 with nothing to show who answered is unknown (Caddy or the upstream)', () => {
    expect(ev(parseCaddyLine(JSON.stringify({ ...base, status: 403 }), 1)).denytrace.decision).toBe('unknown');
  });

  it('unknown keys are kept in extra_fields', () => {
    const e = ev(parseCaddyLine(JSON.stringify({ ...base, status: 200, tenant: 'acme' }), 1));
    expect(e.denytrace.extra_fields).toEqual({ tenant: 'acme' });
  });
});

describe('malformed input is a counted rejection', () => {
  it.each([
    ['{"logger":', 'invalid_json'],
    ['{"msg":"x"}', 'missing_field'],
    ['{"logger":"http.log.access","ts":1}', 'missing_field'],
    ['{"logger":"http.log.access","ts":"soon","request":{}}', 'invalid_timestamp'],
  ])('%s → %s', (line, reason) => {
    expect(parseCaddyLine(line, 1)).toMatchObject({ kind: 'reject', reason });
  });
});
