import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import { cloudflareHttpFormat } from './cloudflare-http.parser';
import { detectFormat } from './formats';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const DIR = path.join(SHARED, 'corpus/cloudflare-http');
const corpus = readdirSync(DIR).filter((f) => f.startsWith('lnav-'));
const linesOf = (f: string): string[] => readFileSync(path.join(DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== '');
const parse = (line: string): ParseOutcome => cloudflareHttpFormat.createParser({}).parse(line, 1);
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

// A record with the fields of the http_requests reference
// (https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/), typed by hand.
const base = {
  RayID: '87a1b2c3d4e5f016', EdgeStartTimestamp: '2024-04-22T09:15:02Z', EdgeEndTimestamp: '2024-04-22T09:15:02Z', ClientIP: '198.51.100.23', ClientSrcPort: 50122,
  ClientCountry: 'de', ClientASN: 64500, ClientRequestHost: 'api.example.com', ClientRequestMethod: 'GET', ClientRequestURI: '/admin/users?page=2',
  ClientRequestPath: '/admin/users', ClientRequestProtocol: 'HTTP/2', ClientRequestScheme: 'https', ClientRequestUserAgent: 'curl/8.5.0',
  EdgeResponseStatus: 403, OriginResponseStatus: 0, CacheCacheStatus: 'unknown', ZoneName: 'example.com',
};

describe('cloudflareHttpFormat', () => {
  it('names the format and dataset; the corpus files are detected as it', () => {
    expect(cloudflareHttpFormat.name).toBe('cloudflare-http');
    expect(cloudflareHttpFormat.dataset).toBe('cloudflare_logpush.http_request');
    expect(corpus.length).toBeGreaterThan(0);
    for (const f of corpus) expect(detectFormat(linesOf(f))?.format.name).toBe('cloudflare-http');
  });

  it.each(corpus)('%s: every record parses, none rejected', (f) => {
    const p = cloudflareHttpFormat.createParser({});
    const out = linesOf(f).map((l, i) => p.parse(l, i + 1));
    expect(out.filter((o) => o.kind !== 'event')).toEqual([]);
  });

  it('the lnav record: a 301 answered at the edge is the CDN passing, Ray ID as cfray:, legacy WAF fields unused', () => {
    const e = ev(parse(linesOf('lnav-logfile_cloudflare.json')[0]));
    expect(e['@timestamp']).toBe('2022-10-30T00:00:02.000Z');
    expect(e.denytrace).toMatchObject({ layer: 'cdn', component: 'cloudflare', decision: 'pass', correlation_ids: ['cfray:761fde4e984e5ab2'] });
    expect(e.http?.response?.status_code).toBe(301);
    expect(e.url).toEqual({ scheme: 'http', domain: 'www.ripe.net', path: '/' });
    expect(e.source?.geo?.country_iso_code).toBe('RU');
    expect(e.rule).toBeUndefined();
  });

  it('current security fields: SecurityAction block refuses at the edge WAF with the security rule and its source', () => {
    const e = ev(parse(JSON.stringify({ ...base, SecurityAction: 'block', SecurityRuleID: 'a1b2c3', SecurityRuleDescription: 'block admin from outside', SecurityActions: ['log', 'block'], SecurityRuleIDs: ['x9', 'a1b2c3'], SecuritySources: ['firewallManaged', 'firewallCustom'] })));
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'cloudflare', decision: 'deny', upstream_status: null, rule_type: 'firewallCustom' });
    expect(e.rule).toEqual({ id: 'a1b2c3', name: 'block admin from outside', ruleset: 'firewallCustom' });
    expect(e.denytrace.non_decisive).toEqual([{ id: 'x9', ruleset: 'firewallManaged', action: 'log', effective: false }]);
    expect(e.url?.query).toBe('page=2');
  });

  it('older WAF fields: WAFAction block with WAFRuleID (as in lnav\'s logfile_cloudflare.1) refuses with that rule', () => {
    const e = ev(parse(JSON.stringify({ ...base, WAFAction: 'block', WAFRuleID: '100015', WAFRuleMessage: 'Anomaly', FirewallMatchesActions: ['block'], FirewallMatchesRuleIDs: ['100015'], FirewallMatchesSources: ['waf'] })));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.layer).toBe('waf');
    expect(e.rule).toEqual({ id: '100015', name: 'Anomaly', ruleset: 'waf' });
  });

  it('a 403 the origin sent is passed through (pass, upstream 403); a 403 with origin 0 and no security action is Cloudflare\'s own', () => {
    const through = ev(parse(JSON.stringify({ ...base, OriginResponseStatus: 403 })));
    expect(through.denytrace).toMatchObject({ layer: 'cdn', decision: 'pass', upstream_status: 403 });
    const own = ev(parse(JSON.stringify(base)));
    expect(own.denytrace).toMatchObject({ layer: 'cdn', decision: 'deny', upstream_status: null });
    const cached = ev(parse(JSON.stringify({ ...base, CacheCacheStatus: 'hit' })));
    expect(cached.denytrace.decision).toBe('pass');
  });

  it('ids other layers log: the x-request-id custom field, epoch-ns timestamps', () => {
    const e = ev(parse(JSON.stringify({ ...base, EdgeStartTimestamp: 1713777302000000000, RequestHeaders: { 'x-request-id': 'req-7f3a9c21' } })));
    expect(e['@timestamp']).toBe('2024-04-22T09:15:02.000Z');
    expect(e.denytrace.correlation_ids).toEqual(['cfray:87a1b2c3d4e5f016', 'xrid:req-7f3a9c21']);
  });

  it('unknown fields go to extra_fields; malformed records are rejected', () => {
    expect(ev(parse(JSON.stringify({ ...base, BotScore: 12 }))).denytrace.extra_fields).toEqual({ BotScore: '12' });
    expect(parse('{"RayID": "x"')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse(JSON.stringify({ ...base, EdgeStartTimestamp: 'soon' }))).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
  });
});
