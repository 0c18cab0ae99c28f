import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { DenyEvent } from '@denytrace/schema';
import { nginxErrorFormat } from './nginx-error.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const ev = (o: ParseOutcome): DenyEvent => {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
};

describe('nginx error-log parser', () => {
  it('s1: every line is an allow-list refusal that matches a gateway/nginx row of truth/', () => {
    const input = lines(zlib.gunzipSync(fs.readFileSync(path.join(SHARED, 'scenarios/s1/nginx-error.log.gz'))).toString('utf8'));
    const truth = lines(fs.readFileSync(path.join(SHARED, 'scenarios/s1/truth/requests.jsonl'), 'utf8'))
      .map((l) => JSON.parse(l) as Record<string, any>)
      .filter((t) => t.emitter_component === 'nginx');
    const p = nginxErrorFormat.createParser({ sourceName: 'nginx-error.log' });
    const events = input.map((l, i) => ev(p.parse(l, i + 1)));
    expect(events).toHaveLength(truth.length); // 454 in summary.json
    const key = (ip: string, method: string, pth: string): string => `${ip} ${method} ${pth}`;
    const truthKeys = new Set(truth.map((t) => key(t.client_ip, t.method, t.path)));
    for (const e of events) {
      expect(truthKeys.has(key(e.source!.ip!, e.http!.request!.method!, e.url!.path!))).toBe(true);
      expect(e.rule?.id).toBe(truth[0].rule_id); // admin-allowlist
      expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'nginx', hop: 50, decision: 'deny', upstream_status: null, rule_type: 'access', tz_offset_minutes: 0 });
      expect(e.http?.response?.status_code).toBe(403);
      expect(e.url?.domain).toBe(truth[0].host);
    }
    expect(events[0]).toMatchObject({
      '@timestamp': '2024-03-12T12:01:00.000Z',
      event: { dataset: 'nginx.error', action: 'deny', outcome: 'failure' },
      source: { ip: '2001:db8:100:95c0:131:1030:bda2:264f' },
      rule: { id: 'admin-allowlist', name: 'nginx allow/deny rules (ngx_http_access_module) for /admin/', ruleset: 'nginx' },
      denytrace: { match_key: 'GET /admin/ ', source_file: 'nginx-error.log', line: 1 },
    });
  });

  it('names the other refusal modules (auth_basic 401, autoindex, limit_req/limit_conn 503 default)', () => {
    const p = nginxErrorFormat.createParser({});
    const tail = ', client: 192.0.2.1, server: example.com, request: "GET /private/x?y=1 HTTP/1.1", host: "example.com:8080"';
    const basic = ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 user "bob" was not found in "/etc/nginx/.htpasswd"${tail}`, 1));
    expect(basic).toMatchObject({ http: { response: { status_code: 401 } }, rule: { id: 'auth_basic' }, url: { domain: 'example.com', path: '/private/x', query: 'y=1' } });
    expect(ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 user "bob": password mismatch${tail}`, 2)).rule?.id).toBe('auth_basic');
    expect(ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 no user/password was provided for basic authentication${tail}`, 3)).rule?.id).toBe('auth_basic');
    expect(ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 directory index of "/srv/www/" is forbidden${tail}`, 4)).rule?.id).toBe('autoindex-forbidden');
    const lr = ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 limiting requests, excess: 20.500 by zone "perip"${tail}`, 5));
    expect(lr).toMatchObject({ http: { response: { status_code: 503 } }, rule: { id: 'limit_req zone "perip"' } });
    expect(ev(p.parse(`2024/03/12 12:00:00 [error] 1#1: *5 limiting connections by zone "addr"${tail}`, 6)).rule?.id).toBe('limit_conn zone "addr"');
    const root = ev(p.parse('2024/03/12 12:00:00 [error] 1#1: *5 access forbidden by rule, client: 192.0.2.1, server: s, request: "GET / HTTP/1.1", host: "s"', 7));
    expect(root.rule).toMatchObject({ id: 'root-allowlist', name: 'nginx allow/deny rules (ngx_http_access_module) for /' });
  });

  it('skips error lines that are not refusals (CrowdSec sample) and rejects what is no error-log line', () => {
    const crowdsec = lines(fs.readFileSync(path.join(SHARED, 'corpus/nginx/crowdsec-nginx_http-logs.log'), 'utf8'));
    const p = nginxErrorFormat.createParser({});
    expect(p.parse(crowdsec[8], 9)).toEqual({ kind: 'skip' }); // "… is not found", not a refusal
    expect(p.parse('2024/03/12 12:00:00 [warn] 1#1: *5 delaying request, excess: 0.5, by zone "z", client: 192.0.2.1, server: s, request: "GET / HTTP/1.1"', 2)).toEqual({ kind: 'skip' });
    expect(p.parse(crowdsec[0], 1)).toMatchObject({ kind: 'reject', reason: 'no_match' });
  });

  it('a crafted ", client: " inside the message does not steal the context', () => {
    const p = nginxErrorFormat.createParser({});
    const e = ev(p.parse('2024/03/12 12:00:00 [error] 1#1: *5 access forbidden by rule, client: 10.0.0.1 junk, client: 192.0.2.9, server: s, request: "GET /a/b HTTP/1.1", host: "s"', 1));
    expect(e.source?.ip).toBe('192.0.2.9');
    expect(e.rule?.id).toBe('a-allowlist');
  });

  it('returns on 200 KB crafted lines', () => {
    const p = nginxErrorFormat.createParser({});
    const head = '2024/03/12 12:00:00 [error] 1#1: *5 access forbidden by rule';
    for (const l of [
      head + ', client: 1'.repeat(20_000),
      head + ', client: 192.0.2.1, request: "' + '\\"'.repeat(100_000),
      head + ', client: 192.0.2.1, server: ' + ', '.repeat(100_000),
      '2024/03/12 12:00:00 [error] 1#1: ' + 'limiting requests, excess: '.repeat(8000),
    ]) expect(['event', 'reject', 'skip']).toContain(p.parse(l, 1).kind);
  });
});
