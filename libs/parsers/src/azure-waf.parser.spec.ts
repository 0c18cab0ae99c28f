import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import { azureFrontDoorAccessFormat } from './azure-frontdoor-access.parser';
import { azureWafFormat } from './azure-waf.parser';
import { detectFormat } from './formats';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const linesOf = (f: string): string[] => readFileSync(path.join(SHARED, 'corpus/azure-waf', f), 'utf8').split('\n').filter((l) => l.trim() !== '');
const WAF = 'elastic-test-fdwaf.log';
const ACCESS = 'elastic-test-fdaccess.log';
const parse = (line: string): ParseOutcome => azureWafFormat.createParser({}).parse(line, 1);
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

/**
 * The Application Gateway firewall-log example of Microsoft's "Web application firewall overview"
 * (older revision, corpus SOURCE.md: action Blocked, ruleId 941320, OWASP 3.0), typed by hand.
 */
const appGw = {
  resourceId: '/SUBSCRIPTIONS/{subscriptionId}/RESOURCEGROUPS/{resourceGroupName}/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/{applicationGatewayName}',
  operationName: 'ApplicationGatewayFirewall', time: '2017-03-20T15:52:09.1494499Z', category: 'ApplicationGatewayFirewallLog',
  properties: {
    instanceId: 'ApplicationGatewayRole_IN_0', clientIp: '104.210.252.3', clientPort: '4835', requestUri: '/?a=%3Cscript%3Ealert(%22Hello%22);%3C/script%3E',
    ruleSetType: 'OWASP', ruleSetVersion: '3.0', ruleId: '941320', message: 'Possible XSS Attack Detected - HTML Tag Handler', action: 'Blocked', site: 'Global',
    details: { message: 'Warning. Pattern match ...', data: 'Matched Data: <script> found within ARGS:a', file: 'rest_app_v3.0/REQUEST-941-APPLICATION-ATTACK-XSS.conf', line: '865' },
  },
};

describe('azureWafFormat and azureFrontDoorAccessFormat', () => {
  it('names, datasets and detection of the corpus files', () => {
    expect([azureWafFormat.name, azureWafFormat.dataset]).toEqual(['azure-waf', 'azure_frontdoor.waf']);
    expect([azureFrontDoorAccessFormat.name, azureFrontDoorAccessFormat.dataset]).toEqual(['azure-frontdoor-access', 'azure_frontdoor.access']);
    expect(detectFormat(linesOf(WAF))?.format.name).toBe('azure-waf');
    expect(detectFormat(linesOf(ACCESS))?.format.name).toBe('azure-frontdoor-access');
    expect(detectFormat([JSON.stringify(appGw, null, 2)])?.format.name).toBe('azure-waf');
  });

  it.each([WAF, ACCESS])('%s: every record parses, none rejected', (f) => {
    expect(linesOf(f).map((l) => parse(l).kind)).toEqual(linesOf(f).map(() => 'event'));
  });

  it('Front Door WAF in detection mode refuses nothing: Log and Block are non-decisive matches', () => {
    const [log, block] = linesOf(WAF).map((l) => ev(parse(l)));
    expect(log.denytrace).toMatchObject({ layer: 'waf', component: 'azure-waf', decision: 'pass', non_decisive: [{ id: 'AllowMyanmar', ruleset: 'waf2', action: 'log', effective: false }] });
    expect(block.denytrace.decision).toBe('pass');
    expect(block.denytrace.non_decisive).toEqual([{ id: 'DefaultRuleSet-1.0-SQLI-942330', ruleset: 'waf2', action: 'block', effective: false }]);
    expect(block.denytrace.correlation_ids).toEqual(['azref:0vePJYQAAAAB9WgG3hg2gTY6gNVGplMGWS1VMMzBFREdFMTAxNgBkYjIxMTMyNi1mZTJmLTQwYWYtOTA4My03MGUyYTJmYWRmZjc=']);
    expect(block['@timestamp']).toBe('2021-12-27T16:03:09.812Z');
    expect(block.url).toEqual({ scheme: 'https', domain: 'erp.testcloud.com', port: 443, path: '/accountcategory/getAccountCategory' });
    expect(block.source).toEqual({ ip: '81.2.69.142', port: 59781 });
    expect(block.event.dataset).toBe('azure_frontdoor.waf');
  });

  it('the same Block in prevention mode is the decisive refusal (403, rule = ruleName in the policy)', () => {
    const rec = JSON.parse(linesOf(WAF)[1]);
    rec.properties.policyMode = 'prevention';
    const e = ev(parse(JSON.stringify(rec)));
    expect(e.denytrace).toMatchObject({ decision: 'deny', upstream_status: null, hop: 10 });
    expect(e.rule).toEqual({ id: 'DefaultRuleSet-1.0-SQLI-942330', name: 'Detects classic SQL injection probings 1/3', ruleset: 'waf2' });
    expect(e.http?.response?.status_code).toBe(403);
  });

  it('a U+FEFF left inside a record (the corpus "probable BOM mid-file") does not lose it', () => {
    const line = linesOf(WAF)[1].replace('{"category"', '{\uFEFF"category"');
    expect(ev(parse(line)).denytrace.non_decisive?.[0].id).toBe('DefaultRuleSet-1.0-SQLI-942330');
  });

  it('Application Gateway WAF: Blocked decides with the CRS rule; Matched does not', () => {
    const e = ev(parse(JSON.stringify(appGw, null, 2)));
    expect(e.event.dataset).toBe('azure.application_gateway');
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'azure-waf', decision: 'deny' });
    expect(e.rule).toEqual({ id: '941320', name: 'Possible XSS Attack Detected - HTML Tag Handler', ruleset: 'OWASP 3.0' });
    expect(e.source).toEqual({ ip: '104.210.252.3', port: 4835 });
    const matched = ev(parse(JSON.stringify({ ...appGw, properties: { ...appGw.properties, action: 'Matched', transactionId: 'a0b1c2d3e4f5' } })));
    expect(matched.denytrace.decision).toBe('pass');
    expect(matched.denytrace.correlation_ids).toEqual(['agwtx:a0b1c2d3e4f5']);
    expect(matched.denytrace.extra_fields).toMatchObject({ 'properties.instanceId': 'ApplicationGatewayRole_IN_0', 'properties.site': 'Global' });
  });

  it('Front Door access log: CDN layer; 200 passes; a 403 with NoError cannot tell; an own error refuses', () => {
    const a = ev(azureFrontDoorAccessFormat.createParser({}).parse(linesOf(ACCESS)[0], 1));
    expect(a.denytrace).toMatchObject({ layer: 'cdn', component: 'azure-front-door', decision: 'pass' });
    expect(a.http).toEqual({ request: { method: 'POST', bytes: 2545 }, response: { status_code: 200, bytes: 1205 }, version: '2.0' });
    expect(a.denytrace.correlation_ids[0]).toMatch(/^azref:0k1y5YQAAAAA/);
    const rec = JSON.parse(linesOf(ACCESS)[0]);
    rec.properties.httpStatusCode = '403';
    expect(ev(parse(JSON.stringify(rec))).denytrace.decision).toBe('unknown');
    rec.properties.ErrorInfo = 'OriginConnectionRefused';
    expect(ev(parse(JSON.stringify(rec))).denytrace.decision).toBe('deny');
  });

  it('rejects malformed records and other categories', () => {
    expect(parse('{"category":"FrontdoorAccessLog"')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse('{"category":"AzureFirewallNetworkRule","time":"2024-01-01T00:00:00Z"}')).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect(parse(JSON.stringify({ ...appGw, time: 'later' }))).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
  });
});
