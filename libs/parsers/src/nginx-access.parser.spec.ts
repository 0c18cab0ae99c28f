import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { DenyEvent } from '@denytrace/schema';
import { nginxFormat } from './nginx-access.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => fs.readFileSync(path.join(SHARED, p), 'utf8');
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const ev = (o: ParseOutcome): DenyEvent => {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
};

describe('nginx access parser', () => {
  describe('scenario s1 (log_format denytrace, truth/)', () => {
    const s1 = lines(zlib.gunzipSync(fs.readFileSync(path.join(SHARED, 'scenarios/s1/nginx.log.gz'))).toString('utf8'));
    const scenario = JSON.parse(read('scenarios/s1/truth/scenario.json')) as { nginx_log_format: string };
    const truth = lines(read('scenarios/s1/truth/requests.jsonl')).map((l) => JSON.parse(l) as Record<string, any>);
    const nginxTruth = truth.filter((t) => t.emitter_component === 'nginx');

    for (const [label, options] of [['auto-detected combined + key=value', {}], ['its own log_format', { nginxLogFormat: scenario.nginx_log_format }]] as const) {
      it(`reads every line and finds the nginx refusals of truth/ (${label})`, () => {
        const p = nginxFormat.createParser({ ...options, sourceName: 'nginx.log' });
        const events = s1.map((l, i) => ev(p.parse(l, i + 1)));
        expect(events).toHaveLength(39884); // summary.json log_lines
        const denies = events.filter((e) => e.denytrace.decision === 'deny');
        expect(denies).toHaveLength(nginxTruth.length);
        const byRid = new Map(events.map((e) => [e.http?.request?.id, e]));
        for (const t of nginxTruth.slice(0, 50)) {
          const e = byRid.get(t.ids.nginx_request_id)!;
          expect(e.denytrace.decision).toBe('deny');
          expect(e.event.action).toBe('deny');
          expect(e.denytrace.upstream_status).toBeNull();
          expect(e.http?.response?.status_code).toBe(403);
          expect(e.source?.ip).toBe(t.client_ip);
          expect(e.http?.request?.method).toBe(t.method);
          expect(e.url?.path).toBe(t.path);
          expect(e.user_agent?.original).toBe(t.user_agent);
          expect(e.denytrace.correlation_ids).toEqual(expect.arrayContaining([
            `xrid:${t.ids.nginx_request_id}`, `amzcf:${t.ids.cloudfront_request_id}`, `xray:${t.ids.alb_trace_root}`,
          ]));
          expect(e.denytrace.match_key).toBe(`${t.method} ${t.path}${t.query ? '?' + t.query : ''} ${t.user_agent}`);
        }
      });
    }

    it('a forwarded request passes, with the upstream status (README sample line 1)', () => {
      const e = ev(nginxFormat.createParser({ sourceName: 'nginx.log' }).parse(s1[0], 1));
      expect(e).toMatchObject({
        '@timestamp': '2024-03-12T12:00:02.000Z',
        event: { dataset: 'nginx.access', action: 'allow', outcome: 'success' },
        observer: { type: 'proxy', vendor: 'F5', product: 'nginx' },
        http: { request: { id: '02e7c72978141f388c39605c341bdc6d', method: 'GET', referrer: 'https://api.example.com/admin/' }, response: { status_code: 200, bytes: 3254 }, version: '1.1' },
        url: { path: '/admin/api/tickets', query: 'status=open&limit=50' },
        source: { ip: '198.51.100.67' },
        denytrace: { layer: 'gateway', component: 'nginx', hop: 50, decision: 'pass', upstream_status: 200, source_file: 'nginx.log', line: 1, tz_offset_minutes: 0 },
      });
      expect(e.trace?.id).toBe('65f043c05ea0e2470e8f99a64adf820d');
      expect(e.event.original).toBe(s1[0]);
    });
  });

  it('C10: applies the +0100 offset and reads the bare quoted X-Amzn-Trace-Id', () => {
    const env = lines(read('cases/C10.jsonl')).map((l) => JSON.parse(l) as { source: string; line: string })[0];
    const expected = JSON.parse(read('cases/C10.expected.json')).records[0];
    const e = ev(nginxFormat.createParser({}).parse(env.line, 1));
    expect(Date.parse(e['@timestamp'])).toBe(Date.parse(expected.timestamp_utc));
    expect(e.denytrace.tz_offset_minutes).toBe(60);
    expect(e.http?.response?.status_code).toBe(expected.status);
    expect(e.trace?.id).toBe(expected.trace_key);
    expect(e.denytrace.correlation_ids).toContain('xray:1-5c2c7d90-1a2b3c4d5e6f708192a3b4c5');
    expect(e.denytrace.decision).toBe('unknown'); // combined logs no $upstream_status
  });

  it('C13: records come from lines 1 and 3, and the long line does not break the parser', () => {
    const c13 = read('cases/C13.log').split('\n');
    const expected = JSON.parse(read('cases/C13.expected.json'));
    const p = nginxFormat.createParser({});
    const out = c13.slice(0, 3).map((l, i) => p.parse(l, i + 1));
    for (const r of expected.records) {
      const e = ev(out[r.line - 1]);
      expect(e.source?.ip).toBe(r.client_ip);
      expect(e.http?.response?.status_code).toBe(r.status);
      expect(e.url?.path).toBe(r.path);
      if (r.method) expect(e.http?.request?.method).toBe(r.method);
      if (r.timestamp) expect(Date.parse(e['@timestamp'])).toBe(Date.parse(r.timestamp));
    }
    expect(out[1].kind).toBe('event'); // the 1474-byte limit is the reader's (max_line_bytes), not the parser's
  });

  it('CrowdSec nginx-logs expectations: access lines parse, the error-log line goes to the error-log parser', () => {
    const input = lines(read('corpus/nginx/crowdsec-nginx_http-logs.log'));
    const expected = JSON.parse(read('corpus/nginx/crowdsec-nginx_http-logs.s01-parse.derived.json')).records as Array<{ index: number; Parsed: Record<string, string> }>;
    const p = nginxFormat.createParser({});
    input.forEach((line, i) => {
      const out = p.parse(line, i + 1);
      const x = expected[i].Parsed;
      if (x.loglevel) {
        // "… is not found" is no refusal: the error-log parser skips it (CrowdSec's loglevel: error)
        expect(x.loglevel).toBe('error');
        expect(out).toEqual({ kind: 'skip' });
        return;
      }
      const e = ev(out);
      expect(e.source?.ip).toBe(x.remote_addr);
      expect(e.http?.request?.method).toBe(x.verb);
      expect(e.url?.path + (e.url?.query ? '?' + e.url.query : '')).toBe(x.request);
      expect(e.http?.version).toBe(x.http_version);
      expect(String(e.http?.response?.status_code)).toBe(x.status);
      expect(String(e.http?.response?.bytes)).toBe(x.body_bytes_sent);
      expect(e.user_agent?.original).toBe(x.http_user_agent);
      expect(e.url?.domain).toBe(x.target_fqdn);
      if (x.port) expect(e.url?.port).toBe(Number(x.port));
      expect(e.user?.name).toBe(x.remote_user === '-' ? undefined : x.remote_user);
    });
  });

  it('an access-module refusal in the error log, mixed into the access stream, is an nginx.error event', () => {
    // the message nginx's access module writes (ngx_http_access_module: "access forbidden by rule")
    const line = '2024/03/12 13:50:05 [error] 31#31: *46 access forbidden by rule, client: 198.51.100.243, server: api.example.com, request: "GET /admin/api/tickets HTTP/1.1", host: "api.example.com"';
    const e = ev(nginxFormat.createParser({}).parse(line, 1));
    expect(e.event.dataset).toBe('nginx.error');
    expect(e.source?.ip).toBe('198.51.100.243');
    expect(e.url?.path).toBe('/admin/api/tickets');
  });

  it('ingress-nginx upstreaminfo: the final upstream answered 403 while the client got 502 (SOURCE.md)', () => {
    const input = lines(read('corpus/nginx-ingress/elastic-test-ingest-raw.log'));
    const p = nginxFormat.createParser({});
    const events = input.map((l, i) => ev(p.parse(l, i + 1)));
    expect(events).toHaveLength(24);
    const last = events[23];
    expect(last.http?.response?.status_code).toBe(502);
    expect(last.denytrace.upstream_status).toBe(403);
    expect(last.denytrace.decision).toBe('pass');
    expect(last.source?.ip).toBe('2a02:cf40::4e36');
    expect(last.denytrace.correlation_ids).toContain('xrid:3db73c6c673c4256ade033a6ce08c2ab');
    expect(events[0].denytrace.correlation_ids).toEqual(['xrid:529a007902362a5f51385a5fa7049884']);
    const invalid = events[4]; // "PATCHp /products/42 HTTP/1.1" 400, upstream fields "-"
    expect(invalid.http?.request?.method).toBe('PATCHp');
    expect(invalid.denytrace.upstream_status).toBeNull();
    expect(invalid.denytrace.decision).toBe('pass');
  });

  it('maps trailing keys by their common names (request id, CloudFront id, traceparent, cf-ray, upstream list)', () => {
    const line = '192.0.2.7 - - [12/Mar/2024:14:00:00 -0230] "DELETE /v1/x%20y?a=%41 HTTP/2.0" 403 12 "-" "-" ' +
      'req_id=abc123 x_amz_cf_id="cf-id-1==" traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 cfray=7d1e2f3a4b5c6d7e-FRA us="502 : 403" custom="k v"';
    const e = ev(nginxFormat.createParser({}).parse(line, 7));
    expect(e['@timestamp']).toBe('2024-03-12T16:30:00.000Z'); // nginx docs: offset -0230 → +2h30 to UTC
    expect(e.denytrace.tz_offset_minutes).toBe(-150);
    expect(e.denytrace.correlation_ids).toEqual(expect.arrayContaining(['xrid:abc123', 'amzcf:cf-id-1==', 'trace:0af7651916cd43dd8448eb211c80319c', 'cfray:7d1e2f3a4b5c6d7e']));
    expect(e.http?.request?.id).toBe('abc123');
    expect(e.denytrace.upstream_status).toBe(403);
    expect(e.denytrace.decision).toBe('pass');
    expect(e.user_agent).toBeUndefined();
    expect(e.denytrace.match_key).toBe('DELETE /v1/x y?a=A ');
    expect(e.denytrace.extra_fields).toEqual({ custom: 'k v' });
  });

  it('a malformed request line still gives an event with what is known', () => {
    const p = nginxFormat.createParser({});
    const dash = ev(p.parse('203.0.113.9 - - [12/Mar/2024:14:00:00 +0000] "-" 400 0 "-" "-"', 1));
    expect(dash.http?.response?.status_code).toBe(400);
    expect(dash.http?.request?.method).toBeUndefined();
    const junk = ev(p.parse('203.0.113.9 - - [12/Mar/2024:14:00:00 +0000] "\\x16\\x03\\x01\\x00\\xA5\\x01" 400 157 "-" "-"', 2));
    expect(junk.http?.request?.method).toBeUndefined();
    expect(junk.url?.original).toBeDefined();
    expect(junk.source?.ip).toBe('203.0.113.9');
  });

  it('rejects what is not an nginx access line, with a reason', () => {
    const p = nginxFormat.createParser({});
    expect(p.parse('not a log line at all', 1)).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect(p.parse('{"remote_addr": ', 2)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(p.parse('999.1.1.1 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', 3)).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
    expect(p.parse('192.0.2.1 - - [31/Feb/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', 4)).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(p.parse('', 5)).toEqual({ kind: 'skip' });
  });

  it('reads JSON lines keyed by variable names, and escape=json log_formats by their own keys', () => {
    const plain = ev(nginxFormat.createParser({}).parse(JSON.stringify({
      time_iso8601: '2024-03-12T15:00:00+01:00', remote_addr: '2001:DB8:0:0::1', request: 'GET /a?b=1 HTTP/1.1', status: 403,
      upstream_status: '-', http_user_agent: 'curl/8', http_x_request_id: 'r-1', http_cf_ray: '8a1b2c3d4e5f6a7b-AMS',
    }), 1));
    expect(plain['@timestamp']).toBe('2024-03-12T14:00:00.000Z');
    expect(plain.source?.ip).toBe('2001:db8::1'); // RFC 5952
    expect(plain.denytrace.decision).toBe('deny');
    expect(plain.denytrace.correlation_ids).toEqual(['xrid:r-1', 'cfray:8a1b2c3d4e5f6a7b']);

    const fmt = `log_format j escape=json '{"t":"$msec","c":"$remote_addr",'\n  '"r":"$request","s":$status,"u":"$upstream_status","id":"\${request_id}"}';`;
    const p = nginxFormat.createParser({ nginxLogFormat: fmt });
    const e = ev(p.parse('{"t":"1710252000.250","c":"192.0.2.5","r":"POST /x HTTP/1.1","s":401,"u":"","id":"rid9"}', 1));
    expect(e['@timestamp']).toBe('2024-03-12T14:00:00.250Z');
    expect(e.http?.response?.status_code).toBe(401);
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.correlation_ids).toEqual(['xrid:rid9']);
    expect(p.parse('192.0.2.5 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1', 2)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
  });

  it('a format without $upstream_status leaves the decision unknown; a non-matching line is rejected', () => {
    const p = nginxFormat.createParser({ nginxLogFormat: "log_format m '$remote_addr [$time_local] \"$request\" $status $host';" });
    const e = ev(p.parse('192.0.2.5 [12/Mar/2024:14:00:00 +0000] "GET /admin/ HTTP/1.1" 403 api.example.com', 1));
    expect(e.denytrace.decision).toBe('unknown');
    expect(e.denytrace.upstream_status).toBeUndefined();
    expect(e.url?.domain).toBe('api.example.com');
    expect(p.parse('192.0.2.5 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', 2)).toMatchObject({ kind: 'reject', reason: 'no_match' });
  });

  it('returns on 200 KB crafted lines (quotes, brackets, spaces, list separators)', () => {
    const big = 200_000;
    const crafted = [
      '1.2.3.4 - - [' + '['.repeat(big) + '] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [12/Mar/2024:14:00:00 +0000] "' + '\\"'.repeat(big / 2) + ' 200 1 "-" "-"',
      '1.2.3.4 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "' + 'a " '.repeat(big / 4),
      ' - '.repeat(big / 3),
      '1.2.3.4 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-" ' + 'k="v '.repeat(big / 5),
      '{"a":' + '['.repeat(big / 2) + ']'.repeat(big / 2) + '}',
    ];
    const scenario = JSON.parse(read('scenarios/s1/truth/scenario.json')) as { nginx_log_format: string };
    const parsers = [
      nginxFormat.createParser({}),
      nginxFormat.createParser({ nginxLogFormat: scenario.nginx_log_format }),
      nginxFormat.createParser({ nginxLogFormat: "'$remote_addr $upstream_addr $upstream_status $request_id'" }),
    ];
    const listLine = '1.2.3.4 ' + 'a, b : '.repeat(big / 7) + ' x';
    for (const p of parsers) for (const l of [...crafted, listLine]) expect(['event', 'reject', 'skip']).toContain(p.parse(l, 1).kind);
  });
});
