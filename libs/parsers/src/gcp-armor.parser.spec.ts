import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import { detectFormat } from './formats';
import { gcpArmorFormat } from './gcp-armor.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const DIR = path.join(SHARED, 'corpus/gcp-lb-armor');
const LOG = 'elastic-test-load-balancer.log';
const linesOf = (f: string): string[] => readFileSync(path.join(DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== '');
const parse = (line: string): ParseOutcome => gcpArmorFormat.createParser({}).parse(line, 1);
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

/**
 * A Cloud Armor denial as a LogEntry, typed from the fields of
 * https://cloud.google.com/armor/docs/request-logging (enforcedSecurityPolicy name, priority,
 * configuredAction, outcome, preconfiguredExprIds; statusDetails denied_by_security_policy).
 */
const armorDeny = {
  insertId: 'a1b2c3d4e5', timestamp: '2024-02-10T08:30:12.123456Z', severity: 'WARNING', logName: 'projects/demo-project/logs/requests',
  trace: 'projects/demo-project/traces/4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7',
  resource: { type: 'http_load_balancer', labels: { forwarding_rule_name: 'web-fr', url_map_name: 'web-map', backend_service_name: 'web-bes', project_id: 'demo-project' } },
  httpRequest: { requestMethod: 'GET', requestUrl: 'http://34.120.0.10/ftp/../../etc/passwd?x=1', status: 403, userAgent: 'curl/8.4.0', remoteIp: '198.51.100.4', serverIp: '10.128.0.5' },
  jsonPayload: {
    '@type': 'type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry', statusDetails: 'denied_by_security_policy',
    enforcedSecurityPolicy: { name: 'block-with-modsec-crs', priority: 9000, configuredAction: 'DENY', outcome: 'DENY', preconfiguredExprIds: ['owasp-crs-v030001-id930110-lfi'] },
    securityPolicyRequestData: { remoteIpInfo: { regionCode: 'NL', asn: 64501 } },
  },
};

describe('gcpArmorFormat', () => {
  it('names the format and the Elastic dataset; the corpus file is detected as it', () => {
    expect(gcpArmorFormat.name).toBe('gcp-lb-armor');
    expect(gcpArmorFormat.dataset).toBe('gcp.loadbalancing_logs');
    expect(detectFormat(linesOf(LOG))?.format.name).toBe('gcp-lb-armor');
    expect(detectFormat([JSON.stringify(armorDeny)])?.format.name).toBe('gcp-lb-armor');
  });

  it.each(readdirSync(DIR).filter((f) => !f.endsWith('.md')))('%s: every record parses, none rejected', (f) => {
    const text = readFileSync(path.join(DIR, f), 'utf8');
    // pretty-printed LogEntries one after another (the blog file) are split by ingest; JSON lines here
    const records = text.trimStart().startsWith('{\n') ? text.split(/\n(?=\{)/) : text.split('\n').filter((l) => l.trim() !== '');
    expect(records.map((r) => parse(r).kind)).toEqual(records.map(() => 'event'));
  });

  it('Elastic\'s cache-served 304: the load balancer passing, trace id as trace:, ip:port split', () => {
    const [a, , c] = linesOf(LOG).map((l) => ev(parse(l)));
    expect(a['@timestamp']).toBe('2020-06-08T23:41:30.078Z');
    expect(a.denytrace).toMatchObject({ layer: 'gateway', component: 'gcp-load-balancer', decision: 'pass' });
    expect(a.denytrace.correlation_ids).toContain('trace:241d69833e64b3bf83fabac8c873d992');
    expect(a.url).toEqual({ scheme: 'http', domain: '81.2.69.193', path: '/static/us/three-cats.jpg' });
    expect(c.source).toEqual({ ip: '89.160.20.156', port: 9989 });
    expect(c.url?.port).toBe(8080);
    expect(c.http?.version).toBe('2.0');
    expect(c.destination).toEqual({ ip: '10.5.3.1', port: 9090 });
    expect(a.denytrace.extra_fields).toMatchObject({ insertId: '1oek5rg3l3fxj7', 'jsonPayload.cacheId': 'SFO-fbae48ad' });
  });

  it('a Cloud Armor DENY is the WAF\'s refusal, decided by the policy rule at that priority', () => {
    const e = ev(parse(JSON.stringify(armorDeny)));
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'cloud-armor', decision: 'deny', upstream_status: null, rule_type: 'DENY' });
    expect(e.rule).toEqual({ id: '9000', name: 'owasp-crs-v030001-id930110-lfi', ruleset: 'block-with-modsec-crs' });
    expect(e.trace?.id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(e.source?.geo?.country_iso_code).toBe('NL');
    expect(e.url?.path).toBe('/ftp/../../etc/passwd');
    expect(e.event.action).toBe('deny');
  });

  it('a preview-mode match is non-decisive; a backend 403 is passed through', () => {
    const preview = { ...armorDeny, httpRequest: { ...armorDeny.httpRequest, status: 200 }, jsonPayload: { statusDetails: 'response_sent_by_backend', previewSecurityPolicy: { name: 'p', priority: 100, configuredAction: 'DENY', outcome: 'DENY' } } };
    const p = ev(parse(JSON.stringify(preview)));
    expect(p.denytrace.decision).toBe('pass');
    expect(p.denytrace.non_decisive).toEqual([{ id: '100', ruleset: 'p', action: 'deny', effective: false }]);
    const backend = ev(parse(JSON.stringify({ ...armorDeny, jsonPayload: { statusDetails: 'response_sent_by_backend' } })));
    expect(backend.denytrace).toMatchObject({ layer: 'gateway', decision: 'pass', upstream_status: 403 });
  });

  it('rejects malformed records', () => {
    expect(parse('{"httpRequest":')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse('{"timestamp":"2024-02-10T08:30:12Z"}')).toMatchObject({ kind: 'reject', reason: 'missing_field' });
    expect(parse(JSON.stringify({ ...armorDeny, timestamp: 'x' }))).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(parse(JSON.stringify({ ...armorDeny, httpRequest: { remoteIp: 'nope' } }))).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
  });
});
