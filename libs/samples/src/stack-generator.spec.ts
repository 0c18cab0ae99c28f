import { createHash } from 'node:crypto';
import { generateStack, stackDeploys, type DenyTruth, type StackComponent, type StackOptions } from '@denytrace/samples';

/*
 * Expectations come from the vendors' documentation and the brief, never from our own output:
 * - CloudFront standard log fields, in order:
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 * - ALB access log entry, the 33 fields of the current layout:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 * - AWS WAF log fields: https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html
 * - X-Amzn-Trace-Id `Root=1-<8 hex epoch s>-<24 hex>`:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html
 * - nginx: `combined` (http://nginx.org/en/docs/http/ngx_http_log_module.html) + the brief's suffix.
 */
const DOC_CLOUDFRONT_FIELDS =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query ' +
  'cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ' +
  'ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte ' +
  'x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const DOC_ALB_FIELDS = [
  'type', 'time', 'elb', 'client:port', 'target:port', 'request_processing_time', 'target_processing_time', 'response_processing_time',
  'elb_status_code', 'target_status_code', 'received_bytes', 'sent_bytes', 'request', 'user_agent', 'ssl_cipher', 'ssl_protocol',
  'target_group_arn', 'trace_id', 'domain_name', 'chosen_cert_arn', 'matched_rule_priority', 'request_creation_time', 'actions_executed',
  'redirect_url', 'error_reason', 'target:port_list', 'target_status_code_list', 'classification', 'classification_reason',
  'conn_trace_id', 'transformed_host', 'transformed_uri', 'request_transform_status',
];
const DOC_WAF_KEYS = ['timestamp', 'formatVersion', 'webaclId', 'terminatingRuleId', 'terminatingRuleType', 'action', 'terminatingRuleMatchDetails',
  'httpSourceName', 'httpSourceId', 'ruleGroupList', 'rateBasedRuleList', 'nonTerminatingMatchingRules', 'requestHeadersInserted', 'responseCodeSent', 'httpRequest'];
const ROOT = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/;
const CF_ID = /^[A-Za-z0-9_-]{54}==$/;
const NGINX = /^(\S+) - (\S+) \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)" rid=([0-9a-f]{32}) cfid="([^"]*)" trace="([^"]*)" ups=(\d{3}|-) rt=(\d+\.\d{3})$/;
const NGINX_ERROR = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[error\] \d+#\d+: \*\d+ access forbidden by rule, client: (\S+), server: (\S+), request: "(\S+) (\S+) HTTP\/1\.1", host: "([^"]+)"$/;

/** Splits an ALB line on spaces, a double-quoted field running to its closing unescaped quote. */
function albSplit(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      out.push(line.slice(i + 1, j));
      i = j + 2;
    } else {
      const j = line.indexOf(' ', i);
      out.push(line.slice(i, j < 0 ? line.length : j));
      i = j < 0 ? line.length : j + 1;
    }
  }
  return out;
}

interface Run { files: Record<string, string[]>; truth: DenyTruth[] }
function run(opts: StackOptions): Run {
  const files: Record<string, string[]> = { waf: [], cloudfront: [], alb: [], nginx: [], 'nginx-error': [], app: [] };
  const truth: DenyTruth[] = [];
  for (const item of generateStack(opts)) {
    if (item.file === 'truth') {
      expect(JSON.parse(item.line)).toEqual(item.truth);
      truth.push(item.truth);
    } else files[item.file].push(item.line);
  }
  return { files, truth };
}

const START = new Date('2024-06-04T09:00:00Z');
const OPTS: StackOptions = { seed: 11, start: START, requests: 20_000, incidents: true };

describe('generateStack', () => {
  const r = run(OPTS);
  const cfFields = r.files.cloudfront[1].slice('#Fields: '.length).split(' ');
  const cfRows = r.files.cloudfront.slice(2).map((l) => l.split('\t'));
  const col = (name: string) => cfFields.indexOf(name);
  const waf = r.files.waf.map((l) => JSON.parse(l));
  const alb = r.files.alb.map(albSplit);
  const nginx = r.files.nginx.map((l) => NGINX.exec(l));
  const app = r.files.app.map((l) => JSON.parse(l));

  it('is deterministic for a seed and differs across seeds', () => {
    const digest = (o: StackOptions) => {
      const h = createHash('sha256');
      for (const item of generateStack(o)) h.update(`${item.file}\t${item.line}\n`);
      return h.digest('hex');
    };
    const o = { seed: 5, start: START, requests: 3000, incidents: true };
    expect(digest(o)).toBe(digest({ ...o }));
    expect(digest({ ...o, seed: 6 })).not.toBe(digest(o));
  });

  it('writes CloudFront records with the documented 33 fields, one tab field per #Fields name', () => {
    expect(r.files.cloudfront[0]).toBe('#Version: 1.0');
    expect(cfFields.join(' ')).toBe(DOC_CLOUDFRONT_FIELDS);
    expect(cfRows.length).toBe(OPTS.requests); // every client request reaches the edge
    const bad = cfRows.filter((f) => !(
      f.length === 33 && f.every((v) => v !== '') && // empty is `-`
      /^\d{4}-\d{2}-\d{2}$/.test(f[col('date')]) && /^\d{2}:\d{2}:\d{2}$/.test(f[col('time')]) &&
      !f[col('cs(User-Agent)')].includes(' ') && // URL-encoded
      CF_ID.test(f[col('x-edge-request-id')])));
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('writes ALB entries with the 33 fields of the documented layout', () => {
    const at = (f: string[], n: string) => f[DOC_ALB_FIELDS.indexOf(n)];
    const bad = alb.filter((f) => !(
      f.length === DOC_ALB_FIELDS.length &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at(f, 'time')) &&
      ROOT.test(at(f, 'trace_id')) && /^TID_[0-9a-f]{32}$/.test(at(f, 'conn_trace_id')) &&
      /^[A-Z]+ https:\/\/\S+:443\/\S* HTTP\/1\.1$/.test(at(f, 'request'))));
    expect(bad.slice(0, 3)).toEqual([]);
    const tids = new Map<string, number>();
    for (const f of alb) tids.set(f[29], (tids.get(f[29]) ?? 0) + 1);
    expect(Math.max(...tids.values())).toBeGreaterThan(50); // CloudFront reuses origin connections
  });

  it('writes WAF records with the documented top-level fields, epoch-ms timestamps and CloudFront request ids', () => {
    const cfIds = new Set(cfRows.map((f) => f[col('x-edge-request-id')]));
    const bad = waf.filter((w) => !(
      DOC_WAF_KEYS.every((k) => k in w) && Number.isInteger(w.timestamp) && w.timestamp > 1e12 &&
      w.httpSourceName === 'CF' && CF_ID.test(w.httpRequest.requestId) && cfIds.has(w.httpRequest.requestId)));
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('writes nginx and app lines in their formats', () => {
    expect(r.files.nginx.filter((l) => !NGINX.test(l)).slice(0, 3)).toEqual([]);
    expect(r.files['nginx-error'].filter((l) => !NGINX_ERROR.test(l)).slice(0, 3)).toEqual([]);
    const bad = app.filter((a) => !(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(a.ts) && /^[0-9a-f]{32}$/.test(a.request_id) &&
      /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(a.trace_id) && ['allow', 'deny'].includes(a.decision)));
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('names in every truth row ids that really appear in the files of the layers it lists, and none deeper', () => {
    const seen: Record<StackComponent, Set<string>> = { 'aws-waf': new Set(), cloudfront: new Set(), alb: new Set(), nginx: new Set(), app: new Set() };
    for (const w of waf) seen['aws-waf'].add(`amzcf:${w.httpRequest.requestId}`);
    for (const f of cfRows) seen.cloudfront.add(`amzcf:${f[col('x-edge-request-id')]}`);
    for (const f of alb) seen.alb.add(`xray:${ROOT.exec(f[17])![1]}`);
    for (const m of nginx) {
      seen.nginx.add(`xrid:${m![9]}`).add(`amzcf:${m![10]}`).add(`xray:${ROOT.exec(m![11])![1]}`);
    }
    for (const a of app) seen.app.add(`xrid:${a.request_id}`).add(`xray:${a.trace_id}`);
    const order: StackComponent[] = ['aws-waf', 'cloudfront', 'alb', 'nginx', 'app'];
    expect(r.truth.length).toBeGreaterThan(0);
    for (const t of r.truth) {
      for (const c of t.layers) {
        expect(t.ids_by_component[c]!.length).toBeGreaterThan(0);
        for (const id of t.ids_by_component[c]!) expect(seen[c].has(id)).toBe(true);
      }
      // A refused request leaves no event at any layer inside the one that refused it.
      const absent = order.filter((c) => !t.layers.includes(c));
      expect(absent.filter((c) => t.correlation_ids.some((id) => seen[c].has(id)))).toEqual([]);
      const inner = order.slice(order.indexOf(t.component) + 1).filter((c) => !(t.component === 'aws-waf' && c === 'cloudfront'));
      expect(t.layers.filter((c) => inner.includes(c))).toEqual([]);
      expect(t.layers).toContain(t.component);
    }
  });

  it('makes every refusal kind appear, each at its true layer, with outer layers logging the 403', () => {
    const rules = new Set(r.truth.map((t) => `${t.component}:${t.rule_type}:${t.rule_id}`));
    for (const expected of ['aws-waf:MANAGED_RULE_GROUP:NoUserAgent_HEADER', 'aws-waf:MANAGED_RULE_GROUP:GenericLFI_QUERYARGUMENTS',
      'aws-waf:RATE_BASED:login-rate-limit', 'aws-waf:REGULAR:geo-block-countries', 'cloudfront:geo-restriction:geo-restriction',
      'alb:fixed-response:3', 'nginx:access:admin-allowlist', 'app:tenant-isolation:tenant-isolation']) {
      expect(rules).toContain(expected);
    }
    expect(r.truth.some((t) => t.component === 'app' && t.rule_type === 'rbac')).toBe(true);

    const wafById = new Map(waf.map((w) => [`amzcf:${w.httpRequest.requestId}`, w]));
    const cfById = new Map(cfRows.map((f) => [`amzcf:${f[col('x-edge-request-id')]}`, f]));
    const albByRoot = new Map(alb.map((f) => [`xray:${ROOT.exec(f[17])![1]}`, f]));
    const nginxByRid = new Map(nginx.map((m) => [`xrid:${m![9]}`, m!]));
    const appByRid = new Map(app.map((a) => [`xrid:${a.request_id}`, a]));
    for (const t of r.truth) {
      const amz = t.ids_by_component.cloudfront![0];
      const cf = cfById.get(amz)!;
      expect(cf[col('sc-status')]).toBe('403');
      expect(cf[col('x-edge-result-type')]).toBe('Error');
      expect(cf[col('x-edge-detailed-result-type')]).toBe(t.component === 'cloudfront' ? 'ClientGeoBlocked' : 'Error');
      if (t.component === 'cloudfront') {
        expect(wafById.has(amz)).toBe(false); // geo restriction runs before the web ACL
        continue;
      }
      const w = wafById.get(amz)!;
      if (t.component === 'aws-waf') {
        expect(w.action).toBe('BLOCK');
        expect(w.terminatingRuleType).toBe(t.rule_type);
        const inner = w.ruleGroupList.find((g: { terminatingRule: unknown }) => g.terminatingRule)?.terminatingRule?.ruleId;
        expect(t.rule_type === 'MANAGED_RULE_GROUP' ? inner : w.terminatingRuleId).toBe(t.rule_id);
        if (t.rule_type === 'RATE_BASED') {
          expect(w.rateBasedRuleList[0]).toMatchObject({ rateBasedRuleName: t.rule_id, limitKey: 'IP' });
          expect([w.httpRequest.httpMethod, w.httpRequest.uri]).toEqual(['POST', '/v1/auth/login']);
        }
        continue;
      }
      expect(w.action).toBe('ALLOW');
      const a = albByRoot.get(t.ids_by_component.alb![0])!;
      expect(a[8]).toBe('403');
      if (t.component === 'alb') {
        expect([a[4], a[5], a[6], a[7], a[9], a[22], a[20]]).toEqual(['-', '-1', '-1', '-1', '-', 'fixed-response', t.rule_id]);
        expect(t.join).toBe('match');
        expect(t.ids_by_component.alb!.some((id) => t.ids_by_component.cloudfront!.includes(id))).toBe(false);
        continue;
      }
      expect(a[9]).toBe('403'); // target status: the ALB passed the 403 through
      const n = nginxByRid.get(t.ids_by_component.nginx!.find((id) => id.startsWith('xrid:'))!)!;
      expect(n[5]).toBe('403');
      if (t.component === 'nginx') {
        expect(n[12]).toBe('-');
        expect(r.files['nginx-error'].some((l) => l.includes(`client: ${t.client.ip},`) && l.includes(`"${t.request.method} ${t.request.path}`))).toBe(true);
        continue;
      }
      expect(n[12]).toBe('403');
      const ap = appByRid.get(t.ids_by_component.app!.find((id) => id.startsWith('xrid:'))!)!;
      expect([ap.decision, ap.policy, ap.status]).toEqual(['deny', t.rule_id, 403]);
    }
  });

  it('logs ALLOW and count-mode matches in the WAF, and cache hits only at the edge', () => {
    expect(waf.some((w) => w.action === 'ALLOW' && w.nonTerminatingMatchingRules.some((m: { action: string }) => m.action === 'COUNT'))).toBe(true);
    expect(waf.some((w) => w.action === 'ALLOW' && w.ruleGroupList.some((g: { nonTerminatingMatchingRules: Array<{ overriddenAction?: string }> }) =>
      g.nonTerminatingMatchingRules.some((m) => m.overriddenAction === 'BLOCK')))).toBe(true);
    const nginxCf = new Set(nginx.map((m) => m![10]));
    const hits = cfRows.filter((f) => f[col('x-edge-result-type')] === 'Hit');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.some((f) => nginxCf.has(f[col('x-edge-request-id')]))).toBe(false);
  });

  it('refuses roughly 1–4 % of requests without incidents', () => {
    const quiet = run({ seed: 3, start: START, requests: 20_000 });
    const ratio = quiet.truth.length / 20_000;
    expect(ratio).toBeGreaterThan(0.01);
    expect(ratio).toBeLessThan(0.04);
    expect(quiet.truth.some((t) => t.incident !== null)).toBe(false);
  });

  it('puts the incidents in their windows: a region-wide geo block and a post-deploy write denial', () => {
    const geo = r.truth.filter((t) => t.incident === 'region-block');
    const writes = r.truth.filter((t) => t.incident === 'post-rollout-write-denial');
    expect(geo.length).toBeGreaterThan(20);
    expect(new Set(geo.map((t) => t.client.ip)).size).toBeGreaterThan(10); // many sources, not one address
    expect(geo.every((t) => t.component === 'aws-waf' && t.client.country === geo[0].client.country)).toBe(true);
    expect(writes.length).toBeGreaterThan(20);
    expect(writes.every((t) => t.component === 'app' && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(t.request.method))).toBe(true);
    expect(new Set(writes.map((t) => t.user!.roles[0])).size).toBe(1);
    const deploys = stackDeploys(OPTS);
    const bad = deploys.find((d) => d.service === writes[0].service!.name && d.version === writes[0].service!.version)!;
    const rollback = deploys[deploys.indexOf(bad) + 1];
    for (const t of writes) {
      expect(t['@timestamp'] >= bad.started_at.replace('Z', '')).toBe(true);
      expect(Date.parse(t['@timestamp'])).toBeLessThan(Date.parse(rollback.finished_at));
    }
  });

  it('returns quickly on a large run split across the stack (sanity on size, not time)', () => {
    expect(r.files.alb.length).toBeLessThan(r.files.cloudfront.length);
    expect(r.files.nginx.length).toBeLessThanOrEqual(r.files.alb.length);
    expect(r.files.app.length).toBeLessThan(r.files.nginx.length);
  });
});
