import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verdict } from '@denytrace/schema';
import { ingestAndDecide } from './s1-helpers';
import { hasShared } from './shared-paths';

/**
 * One small refusal per proxy / API gateway format, written to files and run through the real
 * pipeline (format detection, ingest into a SQLite store, correlation, verdicts). Each request has
 * its own client, path and minute, so no two cases can be joined by match.
 */
const d = hasShared ? describe : describe.skip;

const APIGW_ID = '7c1c2f44-aaaa-4bbb-8ccc-0123456789ab';
const REQ_ID = '0123456789abcdef0123456789abcdef';

const FILES: Record<string, string[]> = {
  // AWS WAF on an API stage (httpSourceName APIGW: its requestId is the API's request id) and the
  // API Gateway access log of the same request (error.responseType WAF_FILTERED).
  'waf.log': [JSON.stringify({
    timestamp: Date.parse('2024-03-12T14:01:11.400Z'), formatVersion: 1, webaclId: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api-acl/abcd',
    terminatingRuleId: 'BlockBadBots', terminatingRuleType: 'REGULAR', action: 'BLOCK', terminatingRuleMatchDetails: [], httpSourceName: 'APIGW',
    httpSourceId: '111122223333:a1b2c3:prod', ruleGroupList: [], rateBasedRuleList: [], nonTerminatingMatchingRules: [], requestHeadersInserted: null, responseCodeSent: null,
    httpRequest: { clientIp: '198.51.100.7', country: 'DE', headers: [{ name: 'User-Agent', value: 'badbot/1.0' }], uri: '/prod/orders', args: '', httpVersion: 'HTTP/1.1', httpMethod: 'POST', requestId: APIGW_ID },
  })],
  'apigw.log': [
    JSON.stringify({ requestId: APIGW_ID, ip: '198.51.100.7', requestTime: '12/Mar/2024:14:01:11 +0000', httpMethod: 'POST', resourcePath: '/orders', status: '403', protocol: 'HTTP/1.1', responseLength: '60', apiId: 'a1b2c3', stage: 'prod', error: { responseType: 'WAF_FILTERED', message: 'Forbidden' } }),
    JSON.stringify({ requestId: 'aa11bb22-0000-4a4a-8b8b-123456789abc', ip: '198.51.100.8', requestTime: '12/Mar/2024:14:02:11 +0000', httpMethod: 'GET', resourcePath: '-', path: '/prod/nope', status: '403', protocol: 'HTTP/1.1', responseLength: '42', apiId: 'a1b2c3', stage: 'prod', error: { responseType: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token' } }),
  ],
  'kong.log': [JSON.stringify({
    request: { id: 'f00dbabe00000000000000000000beef', method: 'GET', uri: '/kong-api', url: 'http://api.example.com:8000/kong-api', size: 80, headers: { 'user-agent': 'curl/8.5.0', host: 'api.example.com:8000' }, querystring: {} },
    response: { status: 429, size: 120, headers: { 'ratelimit-remaining': '0', 'ratelimit-limit': '5', 'x-kong-request-id': 'f00dbabe00000000000000000000beef' } },
    route: { name: 'orders-route', id: 'r1' }, service: { name: 'orders', id: 's1' }, client_ip: '192.0.2.31', started_at: Date.parse('2024-03-12T14:03:11.000Z'), source: 'kong', tries: [], latencies: { kong: 1, proxy: -1, request: 1 }, upstream_uri: '/kong-api',
  })],
  'traefik.log': [JSON.stringify({
    ClientAddr: '192.0.2.41:50000', ClientHost: '192.0.2.41', ClientPort: '50000', ClientUsername: '-', DownstreamContentSize: 9, DownstreamStatus: 403, OriginStatus: 0, OriginContentSize: 0,
    RequestAddr: 'app.example.com', RequestHost: 'app.example.com', RequestMethod: 'GET', RequestPath: '/traefik-admin', RequestProtocol: 'HTTP/1.1', RequestScheme: 'https',
    RouterName: 'admin@docker', entryPointName: 'websecure', StartUTC: '2024-03-12T14:04:11.100Z', level: 'info', msg: '', time: '2024-03-12T14:04:11Z',
  })],
  'haproxy.log': ['192.0.2.51:41234 [12/Mar/2024:14:05:11.482] fe-api fe-api/<NOSRV> 0/-1/-1/-1/0 403 212 - - PR-- 1/1/0/0/0 0/0 "GET /haproxy-admin HTTP/1.1"'],
  'caddy.log': [JSON.stringify({ level: 'error', ts: Date.parse('2024-03-12T14:06:11.000Z') / 1000, logger: 'http.log.access.log0', msg: 'handled request', request: { remote_ip: '192.0.2.61', remote_port: '40000', client_ip: '192.0.2.61', proto: 'HTTP/1.1', method: 'GET', host: 'files.example.com', uri: '/caddy-private', headers: { 'User-Agent': ['curl/8.5.0'] } }, bytes_read: 0, user_id: '', duration: 0.0002, size: 0, status: 401, resp_headers: { Server: ['Caddy'], 'Www-Authenticate': ['Basic realm="restricted"'] } })],
  // ingress-nginx passed the app's 403 through; the app's audit log names its policy.
  'ingress.log': [`192.0.2.71 - - [12/Mar/2024:14:07:11 +0000] "DELETE /orders/9 HTTP/1.1" 403 35 "-" "curl/8.5.0" 90 0.004 [shop-orders-8080] [] 10.1.2.3:8080 35 0.004 403 ${REQ_ID}`],
  'app.log': [JSON.stringify({ ts: '2024-03-12T14:07:11.003Z', request_id: REQ_ID, method: 'DELETE', path: '/orders/9', status: 403, decision: 'deny', policy: 'orders-owner-only', principal: 'u-42', service: 'orders', version: '1.4.2' })],
};

d('proxies and API gateways through the real pipeline', () => {
  let verdicts: Verdict[];
  let formats: Record<string, string>;
  let rejected = 0;
  let close: () => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-p2-'));

  beforeAll(async () => {
    const paths = Object.entries(FILES).map(([name, lines]) => {
      const p = join(dir, name);
      writeFileSync(p, lines.join('\n') + '\n');
      return p;
    });
    const r = await ingestAndDecide(paths);
    verdicts = r.verdicts;
    close = r.close;
    formats = {};
    for (const res of r.results) {
      if (!('summary' in res)) throw new Error(`${res.file}: ${res.error}`);
      formats[res.file.split('/').pop()!] = res.summary.format ?? 'none';
      rejected += res.summary.rejected;
    }
  }, 60_000);
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const byPath = (p: string): Verdict => {
    const v = verdicts.find((x) => x.request.path === p);
    if (!v) throw new Error(`no verdict for ${p}: ${verdicts.map((x) => x.request.path).join(', ')}`);
    return v;
  };

  it('detects each file\'s format and rejects nothing', () => {
    expect(formats).toMatchObject({ 'waf.log': 'aws-waf', 'apigw.log': 'aws-apigateway', 'kong.log': 'kong', 'traefik.log': 'traefik', 'haproxy.log': 'haproxy', 'caddy.log': 'caddy', 'ingress.log': 'ingress-nginx', 'app.log': 'app-json' });
    expect(rejected).toBe(0);
  });

  it('API Gateway WAF_FILTERED joined to the web ACL by the API request id: the WAF rule decides', () => {
    const v = verdicts.find((x) => x.correlation_ids.includes(`apigw:${APIGW_ID}`))!;
    expect(v.events.map((e) => e.component).sort()).toEqual(['api-gateway', 'aws-waf']);
    expect(v.emitting_layer).toBe('waf');
    expect(v.emitter?.component).toBe('aws-waf');
    expect(v.decisive_rule?.id).toBe('BlockBadBots');
  });

  it('API Gateway 403 for a route that does not exist is API Gateway itself', () => {
    const v = byPath('/prod/nope');
    expect([v.emitting_layer, v.emitter?.component, v.decisive_rule?.id]).toEqual(['gateway', 'api-gateway', 'MISSING_AUTHENTICATION_TOKEN']);
  });

  it.each([
    ['/kong-api', 'kong', 'rate-limiting'],
    ['/traefik-admin', 'traefik', 'admin@docker'],
    ['/haproxy-admin', 'haproxy', 'http-request-deny'],
    ['/caddy-private', 'caddy', 'basic_auth'],
  ])('%s: refused by the gateway layer, component %s, rule %s', (p, component, rule) => {
    const v = byPath(p);
    expect([v.emitting_layer, v.emitter?.component, v.decisive_rule?.id]).toEqual(['gateway', component, rule]);
  });

  it('ingress-nginx passed the app\'s 403 through: the app is the emitting layer, joined by $req_id', () => {
    const v = verdicts.find((x) => x.correlation_ids.includes(`xrid:${REQ_ID}`))!;
    expect(v.events.map((e) => e.component).sort()).toEqual(['app', 'ingress-nginx']);
    expect([v.emitting_layer, v.emitter?.component, v.decisive_rule?.id]).toEqual(['app', 'app', 'orders-owner-only']);
  });
});
