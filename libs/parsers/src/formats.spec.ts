import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FORMATS, detectFormat, getFormat } from './formats';

const SHARED = path.resolve(__dirname, '../../../../shared');
const head = (rel: string, n = 40): string[] => {
  const buf = fs.readFileSync(path.join(SHARED, rel));
  const text = rel.endsWith('.gz') ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  return text.split('\n').slice(0, n);
};
const detected = (lines: readonly string[]): string | undefined => detectFormat(lines)?.format.name;

describe('format registry and detection', () => {
  it('lists every format once, by name', () => {
    const names = FORMATS.map((f) => f.name);
    expect(names).toEqual([
      'aws-waf', 'cloudflare-firewall', 'azure-waf', 'aws-cloudfront', 'cloudflare-http', 'azure-frontdoor-access',
      'aws-alb', 'gcp-lb-armor', 'aws-apigateway', 'kong', 'traefik', 'haproxy', 'caddy',
      'modsecurity', 'coraza', 'open-appsec', 'envoy', 'opa-decision', 'k8s-audit',
      'ingress-nginx', 'nginx', 'nginx-error', 'aws-cloudtrail', 'app-json',
    ]);
    for (const n of names) expect(getFormat(n)?.name).toBe(n);
    expect(getFormat('nope')).toBeUndefined();
    expect(getFormat('nginx')?.dataset).toBe('nginx.access');
    expect(getFormat('nginx-error')?.dataset).toBe('nginx.error');
    expect(getFormat('app-json')?.dataset).toBe('app.audit');
  });

  it.each([
    ['scenarios/s1/nginx.log.gz', 'nginx'],
    ['scenarios/s1/nginx-error.log.gz', 'nginx-error'],
    ['scenarios/s1/app.log.gz', 'app-json'],
    ['scenarios/s1/waf.log.gz', 'aws-waf'],
    ['scenarios/s1/cloudfront.log.gz', 'aws-cloudfront'],
    ['scenarios/s1/alb.log.gz', 'aws-alb'],
    ['corpus/nginx/crowdsec-nginx_http-logs.log', 'nginx'],
    ['corpus/nginx-ingress/elastic-test-ingest-raw.log', 'ingress-nginx'],
    ['corpus/aws-apigateway/elastic-test-apigateway-rest.log', 'aws-apigateway'],
    ['corpus/kong/kong-docs-log-format-sample.json', 'kong'],
    ['corpus/traefik/crowdsec-traefik_json.log', 'traefik'],
    ['corpus/traefik/crowdsec-traefik_clf.log', 'traefik'],
    ['corpus/haproxy/crowdsec-haproxy-logs.log', 'haproxy'],
    ['corpus/caddy/crowdsec-caddy-logs.log', 'caddy'],
    ['corpus/aws-waf/elastic-test-waf.log', 'aws-waf'],
    ['corpus/aws-cloudfront/elastic-test-cloudfront.log', 'aws-cloudfront'],
    ['corpus/aws-alb/crowdsec-aws-alb-logs.log', 'aws-alb'],
    ['cases/C05.jsonl', 'app-json'],
    ['corpus/cloudflare-firewall/elastic-test-pipeline-firewall-event.log', 'cloudflare-firewall'],
    ['corpus/cloudflare-http/lnav-logfile_cloudflare.json', 'cloudflare-http'],
    ['corpus/cloudtrail/crowdsec-aws-cloudtrail.log', 'aws-cloudtrail'],
    ['corpus/gcp-lb-armor/elastic-test-load-balancer.log', 'gcp-lb-armor'],
    ['corpus/azure-waf/elastic-test-fdwaf.log', 'azure-waf'],
    ['corpus/azure-waf/elastic-test-fdaccess.log', 'azure-frontdoor-access'],
    ['cases/C13.log', 'nginx'],
  ])('%s is %s', (file, name) => {
    expect(detected(head(file))).toBe(name);
  });

  it('CloudFront without its #Fields header is still CloudFront, not nginx', () => {
    expect(detected(head('scenarios/s1/cloudfront.log.gz').filter((l) => !l.startsWith('#')))).toBe('aws-cloudfront');
  });

  it('deploy events are not app JSON', () => {
    const deploys = head('scenarios/s1/deploys.jsonl');
    expect(detected(deploys)).toBeUndefined();
    expect(getFormat('app-json')!.detect(deploys.filter((l) => l))).toBe(0);
  });

  it('AWS WAF JSON scores 0 as app JSON and as nginx; error-log lines score 0 as nginx access', () => {
    const waf = head('scenarios/s1/waf.log.gz', 20);
    expect(getFormat('app-json')!.detect(waf)).toBe(0);
    expect(getFormat('nginx')!.detect(waf)).toBe(0);
    expect(getFormat('nginx')!.detect(head('scenarios/s1/nginx-error.log.gz', 20))).toBe(0);
    expect(getFormat('nginx')!.detect(head('scenarios/s1/alb.log.gz', 20))).toBe(0);
  });

  it('nginx JSON is nginx, not app JSON', () => {
    const lines = [1, 2, 3].map((i) => JSON.stringify({ time_local: `12/Mar/2024:14:00:0${i} +0000`, remote_addr: '192.0.2.1', request: 'GET / HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'curl' }));
    expect(detected(lines)).toBe('nginx');
  });

  it('nothing fits: blank or unknown input gives undefined', () => {
    expect(detectFormat([])).toBeUndefined();
    expect(detectFormat(['', '  '])).toBeUndefined();
    expect(detectFormat(['hello world', 'just text'])).toBeUndefined();
  });
});

/** Corpus files in one of our formats, and the format each is. */
const OURS: Readonly<Record<string, string>> = {
  'aws-alb/crowdsec-aws-alb-logs.log': 'aws-alb',
  'aws-cloudfront/elastic-test-cloudfront.log': 'aws-cloudfront',
  'aws-waf/elastic-test-waf.log': 'aws-waf',
  'nginx/crowdsec-nginx_http-logs.log': 'nginx',
  'nginx-ingress/elastic-test-ingest-raw.log': 'ingress-nginx',
  'cloudflare-firewall/elastic-test-pipeline-firewall-event.log': 'cloudflare-firewall',
  'cloudflare-http/lnav-logfile_cloudflare.json': 'cloudflare-http',
  'cloudtrail/crowdsec-aws-cloudtrail.log': 'aws-cloudtrail',
  'gcp-lb-armor/elastic-test-load-balancer.log': 'gcp-lb-armor',
  'azure-waf/elastic-test-fdwaf.log': 'azure-waf',
  'azure-waf/elastic-test-fdaccess.log': 'azure-frontdoor-access',
  'aws-apigateway/elastic-test-apigateway-rest.log': 'aws-apigateway',
  'kong/kong-docs-log-format-sample.json': 'kong',
  'traefik/crowdsec-traefik_json.log': 'traefik',
  'traefik/crowdsec-traefik_clf.log': 'traefik',
  'haproxy/crowdsec-haproxy-logs.log': 'haproxy',
  'caddy/crowdsec-caddy-logs.log': 'caddy',
  'coraza-waf/crowdsec-caddy-coraza.log': 'coraza',
  'envoy/crowdsec-envoy.log': 'envoy',
  'k8s-audit/crowdsec-k8s-audit-pod-exec.log': 'k8s-audit',
  'k8s-audit/elastic-test-audit.log': 'k8s-audit',
  'modsecurity/crowdsec-modsecurity-logs.log': 'modsecurity',
  'modsecurity/elastic-test-audit-json.log': 'modsecurity',
  'opa-decision/kanywst-opa-envoy-decision-log.ndjson': 'opa-decision',
  'opa-decision/opa-docs-decision-log-example.json': 'opa-decision',
  'openappsec-waf/crowdsec-openappsec.log': 'open-appsec',
  'xlayer-envoy-opa/envoy-debug-and-access.log': 'envoy',
  'xlayer-envoy-opa/opa-envoy-plugin.ndjson': 'opa-decision',
};
/** Corpus files of our formats kept aside for evaluation: checked when present. */
const OURS_WHEN_PRESENT: Readonly<Record<string, string>> = {
  'cloudflare-http/lnav-logfile_cloudflare.1': 'cloudflare-http',
  'cloudtrail/awsdocs-stepfunctions-cloudtrail-examples.json': 'aws-cloudtrail',
  'gcp-lb-armor/blog-juice-shop-cloud-armor-deny.json': 'gcp-lb-armor',
  'azure-waf/msdocs-appgw-waf-overview-firewall-log.json': 'azure-waf',
};
/** Our formats today: a corpus file of another product must not come out as one of these. */
const OUR_FORMATS = FORMATS.map((f) => f.name);
/** Files of another product that one of our formats may read (none today). */
const ACCEPTED: Readonly<Record<string, string>> = {};

function corpusFiles(): string[] {
  const root = path.join(SHARED, 'corpus');
  const out: string[] = [];
  for (const dir of fs.readdirSync(root).sort()) {
    if (!fs.statSync(path.join(root, dir)).isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(root, dir)).sort()) out.push(`${dir}/${f}`);
  }
  return out;
}

/** The records of a JSON file (one document, an array of them, or one a line), each on one line; undefined when not JSON. */
function compactRecords(rel: string): string[] | undefined {
  const text = fs.readFileSync(path.join(SHARED, 'corpus', rel), 'utf8');
  try {
    const v: unknown = JSON.parse(text);
    return (Array.isArray(v) ? v : [v]).map((r) => JSON.stringify(r));
  } catch {
    try {
      return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.stringify(JSON.parse(l)));
    } catch {
      return undefined;
    }
  }
}

const others = corpusFiles().filter((f) => !(f in OURS) && !(f in OURS_WHEN_PRESENT));
const appJson = getFormat('app-json')!;

describe('detection over the corpus files of other products', () => {
  it('the corpus is where we expect it', () => {
    expect(others.length).toBeGreaterThan(40);
    for (const f of Object.keys(OURS)) expect(corpusFiles()).toContain(f);
  });

  it.each(others)('%s is not app JSON nor any other of our formats', (rel) => {
    const lines = head(`corpus/${rel}`);
    expect(appJson.detect(lines.filter((l) => l.trim() !== ''))).toBe(0);
    const name = detected(lines);
    if (rel in ACCEPTED) expect(name).toBe(ACCEPTED[rel]);
    else expect(OUR_FORMATS).not.toContain(name);
  });

  const jsonFiles = others.map((rel) => [rel, compactRecords(rel)] as const).filter((x): x is readonly [string, string[]] => x[1] !== undefined);

  it.each(jsonFiles)('%s, one record a line, scores 0 as app JSON', (rel, records) => {
    const sample = records.slice(0, 20);
    expect(appJson.detect(sample)).toBe(0);
    expect(OUR_FORMATS).not.toContain(detected(sample));
  });

  it('OPA decision logs come out as opa-decision (they were app JSON)', () => {
    expect(detected(head('corpus/opa-decision/kanywst-opa-envoy-decision-log.ndjson'))).toBe('opa-decision');
    expect(detected(compactRecords('opa-decision/opa-docs-decision-log-example.json')!)).toBe('opa-decision');
  });

  it.each(Object.entries(OURS))('%s is detected as %s', (rel, name) => {
    expect(detected(head(`corpus/${rel}`))).toBe(name);
  });
});

describe('app JSON needs the shape of an application authorization/audit record', () => {
  const ts = '2024-03-12T14:00:00Z';
  const score = (...records: object[]) => appJson.detect(records.map((r) => JSON.stringify(r)));

  it('a decision, a permission or policy, or request id with method, path and status is enough', () => {
    expect(score({ ts, decision: 'deny' })).toBeCloseTo(0.9);
    expect(score({ ts, authz: { allowed: false } })).toBeCloseTo(0.9);
    expect(score({ ts, action: 'forbid' })).toBeCloseTo(0.9);
    expect(score({ ts, permission: 'orders:delete', status: 403 })).toBeCloseTo(0.9);
    expect(score({ ts, policy: 'rbac:viewer' })).toBeCloseTo(0.9);
    expect(score({ ts, request_id: 'r1', method: 'GET', path: '/a', status: 200 })).toBeCloseTo(0.9);
  });

  it('a request-shaped record without them is not app JSON (an access log, a generic logger line)', () => {
    expect(score({ ts, method: 'GET', path: '/a', status: 403 })).toBe(0);
    expect(score({ ts, request_id: 'r1', method: 'GET', status: 403 })).toBe(0);
    expect(score({ ts, msg: 'started', action: 'login' })).toBe(0);
    expect(score({ decision: 'deny', method: 'GET' })).toBe(0); // no timestamp
  });

  // Each record carries the app-like fields plus the product's own marker keys (vendor docs in app-json.parser.ts).
  it.each([
    ['Caddy', { logger: 'http.log.access.log0', msg: 'handled request' }],
    ['OPA decision log', { decision_id: 'd1', input: { method: 'GET' }, result: true }],
    ['OPA server log', { 'decision-id': 'd1', query: 'data.envoy.authz.allow' }],
    ['Kubernetes audit', { apiVersion: 'audit.k8s.io/v1', kind: 'Event' }],
    ['CloudTrail', { eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'GetObject' }],
    ['CloudTrail file', { Records: [] }],
    ['Cloudflare', { RayID: '8a1b2c3d4e5f6a7b' }],
    ['GCP', { httpRequest: { requestMethod: 'GET' }, logName: 'projects/p/logs/requests' }],
    ['Azure', { category: 'FrontDoorWebApplicationFirewallLog', operationName: 'Microsoft.Cdn/Profiles/Write', resourceId: '/SUBSCRIPTIONS/x' }],
    ['Envoy', { upstream_cluster: 'app', response_code_details: 'via_upstream', response_flags: '-' }],
    ['Kong', { latencies: { kong: 1, proxy: 2, request: 3 }, route: { id: 'r' }, upstream_uri: '/' }],
    ['Traefik', { RouterName: 'web@docker', DownstreamStatus: 403, OriginStatus: 0 }],
    ['AWS WAF', { webaclId: 'arn:aws:wafv2:…', terminatingRuleId: 'Default_Action' }],
    ['nginx JSON', { time_local: '12/Mar/2024:14:00:00 +0000', body_bytes_sent: 0 }],
  ])('%s records score 0 even with app-like fields', (_, marker) => {
    expect(score({ ts, request_id: 'r1', method: 'GET', path: '/a', status: 403, decision: 'deny', policy: 'p', ...marker })).toBe(0);
  });

  it('returns on long crafted lines', () => {
    const long = [
      JSON.stringify({ ts, decision: 'deny', path: '/' + 'a'.repeat(300_000) }),
      '{"ts":"' + ts + '","logger":"' + 'http.'.repeat(60_000) + '"}',
      '{' + '"a":{'.repeat(50_000),
    ];
    expect(appJson.detect(long)).toBeGreaterThanOrEqual(0);
  });
});
