import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ingestPaths } from '@denytrace/ingest';
import type { Verdict } from '@denytrace/schema';
import { openStore } from '@denytrace/store';
import { ingestAndDecide } from './s1-helpers';
import { hasShared, sharedPath } from './shared-paths';

/**
 * Cloud edges and cloud audit through the real pipeline (file framing, detection, parsing, store,
 * correlation, attribution): each refusal is a small file in the vendor's format, typed by hand from
 * the field references cited in the parsers, with an outer or inner layer where that is how the
 * request really crosses layers. Each asserts the verdict's emitting layer, component and rule.
 */
const T = '2024-05-01T10:00:00Z';

describe('cloud sources end to end', () => {
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-cloud-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The only verdict carrying `id`. */
  async function verdictOf(files: string[], id: string): Promise<{ v: Verdict; rejected: number; formats: Array<string | null | undefined> }> {
    const r = await ingestAndDecide(files);
    try {
      const vs = r.verdicts.filter((x) => x.correlation_ids.includes(id));
      expect(vs).toHaveLength(1);
      const rejected = r.results.reduce((n, x) => n + ('summary' in x && x.summary ? x.summary.rejected : 0), 0);
      const formats = r.results.map((x) => ('summary' in x ? x.summary?.format : undefined));
      return { v: vs[0], rejected, formats };
    } finally {
      await r.close();
    }
  }

  it('Cloudflare: a managed-rule block in http_requests and firewall_events of one Ray ID → waf, cloudflare, the rule', async () => {
    const ray = '8a1b2c3d4e5f6a7b';
    const req = { RayID: ray, EdgeStartTimestamp: T, ClientIP: '198.51.100.23', ClientRequestHost: 'shop.example.com', ClientRequestMethod: 'POST', ClientRequestURI: '/login', ClientRequestPath: '/login', EdgeResponseStatus: 403, OriginResponseStatus: 0, SecurityAction: 'block', SecurityRuleID: '5de7edfa648c4d6891dc3e7f84534ffa', SecurityRuleIDs: ['5de7edfa648c4d6891dc3e7f84534ffa'], SecuritySources: ['firewallManaged'], SecurityActions: ['block'] };
    const fw = { Datetime: T, RayID: ray, Action: 'block', Source: 'firewallManaged', RuleID: '5de7edfa648c4d6891dc3e7f84534ffa', Description: 'SQLi - Comment', ClientIP: '198.51.100.23', ClientRequestHost: 'shop.example.com', ClientRequestMethod: 'POST', ClientRequestPath: '/login', EdgeResponseStatus: 403, OriginResponseStatus: 0, Kind: 'firewall' };
    const { v, rejected, formats } = await verdictOf([file('cf-http.json', JSON.stringify(req) + '\n'), file('cf-fw.json', JSON.stringify(fw) + '\n')], `cfray:${ray}`);
    expect(formats).toEqual(['cloudflare-http', 'cloudflare-firewall']);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['waf', 'cloudflare']);
    expect(v.decisive_rule).toMatchObject({ id: '5de7edfa648c4d6891dc3e7f84534ffa', name: 'SQLi - Comment', ruleset: 'firewallManaged' });
  });

  it('Cloudflare passing the origin\'s 403 through: the app that logged CF-Ray <ray>-<colo> is the emitter, not Cloudflare', async () => {
    const ray = '7c0ffee15ba5eba1';
    const req = { RayID: ray, EdgeStartTimestamp: T, ClientIP: '198.51.100.24', ClientRequestHost: 'api.example.com', ClientRequestMethod: 'DELETE', ClientRequestPath: '/orders/7', EdgeResponseStatus: 403, OriginResponseStatus: 403, SecurityAction: '', SecurityActions: [] };
    const app = { ts: '2024-05-01T10:00:00.120Z', cf_ray: `${ray}-FRA`, method: 'DELETE', path: '/orders/7', status: 403, principal: 'u-42', decision: 'deny', policy: 'orders:delete requires admin', service: 'orders' };
    const { v, rejected } = await verdictOf([file('cf-pass.json', JSON.stringify(req) + '\n'), file('app.jsonl', JSON.stringify(app) + '\n')], `cfray:${ray}`);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['app', 'app']);
    expect(v.decisive_rule?.id).toBe('orders:delete requires admin');
  });

  it('CloudTrail: an explicit SCP deny in a gzip {"Records":[…]} S3 file → app, cloudtrail, the policy', async () => {
    const scp = 'arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd';
    const ev = (name: string, extra: object) => ({ eventVersion: '1.09', userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/deploy/ci', accountId: '123456789012' }, eventTime: T, eventSource: 'ec2.amazonaws.com', eventName: name, awsRegion: 'eu-west-1', sourceIPAddress: '203.0.113.9', userAgent: 'aws-cli/2.15.0', ...extra });
    const records = { Records: [
      ev('DescribeInstances', { requestID: 'b7e2c9d0-1111-4a6b-9c3d-2e1f0a9b8c7d', eventID: 'e1' }),
      ev('RunInstances', { requestID: 'a4f1c2d3-2222-4b5c-8d9e-0f1a2b3c4d5e', eventID: 'e2', errorCode: 'Client.UnauthorizedOperation', errorMessage: `You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/deploy/ci is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:eu-west-1:123456789012:instance/* with an explicit deny in a service control policy: ${scp}` }),
    ] };
    const { v, rejected, formats } = await verdictOf([file('ct.json.gz', gzipSync(JSON.stringify(records)))], 'awsreq:a4f1c2d3-2222-4b5c-8d9e-0f1a2b3c4d5e');
    expect(formats).toEqual(['aws-cloudtrail']);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['app', 'cloudtrail']);
    expect(v.decisive_rule).toMatchObject({ id: scp, ruleset: 'service control policy', type: 'explicit-deny' });
  });

  it('GCP: pretty-printed LogEntries, a Cloud Armor DENY → waf, cloud-armor, policy rule priority', async () => {
    const entry = (status: number, payload: object, trace: string) => ({
      timestamp: '2024-05-01T10:00:00.5Z', trace: `projects/demo/traces/${trace}`, resource: { type: 'http_load_balancer', labels: { forwarding_rule_name: 'web-fr' } },
      httpRequest: { requestMethod: 'GET', requestUrl: 'https://shop.example.com/search?q=%27%20or%201%3D1', status, remoteIp: '198.51.100.9', userAgent: 'sqlmap/1.8' },
      jsonPayload: { '@type': 'type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry', ...payload },
    });
    const deny = entry(403, { statusDetails: 'denied_by_security_policy', enforcedSecurityPolicy: { name: 'edge-crs', priority: 1000, configuredAction: 'DENY', outcome: 'DENY', preconfiguredExprIds: ['owasp-crs-v030301-id942100-sqli'] } }, '0af7651916cd43dd8448eb211c80319c');
    const ok = entry(200, { statusDetails: 'response_sent_by_backend' }, '11111111111111111111111111111111');
    const body = `${JSON.stringify(ok, null, 2)}\n${JSON.stringify(deny, null, 2)}\n`;
    const { v, rejected, formats } = await verdictOf([file('gcp.json', body)], 'trace:0af7651916cd43dd8448eb211c80319c');
    expect(formats).toEqual(['gcp-lb-armor']);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['waf', 'cloud-armor']);
    expect(v.decisive_rule).toMatchObject({ id: '1000', name: 'owasp-crs-v030301-id942100-sqli', ruleset: 'edge-crs' });
  });

  it('Azure Front Door: WAF Block (prevention) and the access log\'s 403, one X-Azure-Ref → waf, azure-waf, the rule', async () => {
    const ref = '20240501T100000Z-abcdef0123456789abcdef0123';
    const waf = { time: T, category: 'FrontDoorWebApplicationFirewallLog', operationName: 'Microsoft.Cdn/Profiles/WebApplicationFirewall/Write', properties: { clientIP: '198.51.100.31', clientPort: '50312', socketIP: '198.51.100.31', requestUri: 'https://www.example.com:443/wp-login.php', ruleName: 'Microsoft_DefaultRuleSet-2.1-PHP-933100', policy: 'fdpolicy', action: 'Block', host: 'www.example.com', trackingReference: ref, policyMode: 'prevention', details: { msg: 'PHP Injection Attack' } } };
    const access = { time: '2024-05-01T10:00:00.2Z', category: 'FrontDoorAccessLog', properties: { trackingReference: ref, httpMethod: 'GET', httpVersion: '1.1.0.0', requestUri: 'https://www.example.com:443/wp-login.php', clientIp: '198.51.100.31', clientPort: '50312', httpStatusCode: '403', ErrorInfo: 'NoError', userAgent: 'Mozilla/5.0' } };
    const { v, rejected, formats } = await verdictOf([file('fd-waf.json', JSON.stringify(waf) + '\n'), file('fd-access.json', JSON.stringify(access) + '\n')], `azref:${ref}`);
    expect(formats).toEqual(['azure-waf', 'azure-frontdoor-access']);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['waf', 'azure-waf']);
    expect(v.decisive_rule).toMatchObject({ id: 'Microsoft_DefaultRuleSet-2.1-PHP-933100', ruleset: 'fdpolicy' });
  });

  it('Azure Application Gateway: {"records":[…]} with Matched rules and the Blocked anomaly rule of one transaction → rule 949110', async () => {
    const tx = 'b3f0e0a1-7c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const rec = (ruleId: string, action: string, message: string) => ({ time: T, category: 'ApplicationGatewayFirewallLog', resourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/AGW1', properties: { instanceId: 'appgw_0', clientIp: '198.51.100.40', requestUri: '/search?q=<script>', ruleSetType: 'OWASP_CRS', ruleSetVersion: '3.2', ruleId, message, action, hostname: 'www.example.com', transactionId: tx, policyId: 'default' } });
    const body = JSON.stringify({ records: [rec('941100', 'Matched', 'XSS Attack Detected via libinjection'), rec('949110', 'Blocked', 'Inbound Anomaly Score Exceeded')] }, null, 2);
    const { v, rejected } = await verdictOf([file('agw.json', body)], `agwtx:${tx}`);
    expect(rejected).toBe(0);
    expect([v.emitting_layer, v.emitter?.component]).toEqual(['waf', 'azure-waf']);
    expect(v.decisive_rule).toMatchObject({ id: '949110', ruleset: 'OWASP_CRS 3.2' });
  });

  const CORPUS: Readonly<Record<string, string>> = {
    'cloudflare-firewall': 'cloudflare-firewall', 'cloudflare-http': 'cloudflare-http', cloudtrail: 'aws-cloudtrail', 'gcp-lb-armor': 'gcp-lb-armor',
  };
  (hasShared ? it : it.skip)('every corpus log file of these formats is ingested with its format and no rejection', async () => {
    const files: string[] = [];
    for (const d of [...Object.keys(CORPUS), 'azure-waf']) {
      const root = sharedPath('corpus', d);
      if (!existsSync(root)) continue;
      for (const f of readdirSync(root)) if (!/(\.md|expected\.json|\.assert|\.derived\.json)$/.test(f)) files.push(join(root, f));
    }
    // ingest only (no verdicts: the files span 2017–2024, and deciding every window of that is not the point here)
    const store = await openStore({ dataDir: join(dir, 'corpus-store'), retention: 'refusals' });
    try {
      const results = await ingestPaths(files, { store });
      expect(results.length).toBe(files.length);
      for (const x of results) {
        const s = 'summary' in x ? x.summary : undefined;
        const d = x.file.split('/').slice(-2)[0];
        expect({ file: x.file, rejected: s?.rejected, records: (s?.records ?? 0) > 0 }).toEqual({ file: x.file, rejected: 0, records: true });
        if (d !== 'azure-waf') expect(s?.format).toBe(CORPUS[d]);
        else expect(['azure-waf', 'azure-frontdoor-access']).toContain(s?.format);
      }
    } finally {
      await store.close();
    }
  });
});
