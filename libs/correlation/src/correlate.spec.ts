import type { DenyEvent, Layer } from '@denytrace/schema';
import { correlate } from './correlate';
import { coverageFromSpans } from './coverage';

let seq = 0;
/** A hand-built event; only what correlation reads. */
function ev(p: {
  at: string; component: string; layer: Layer; hop: number; status?: number; decision: DenyEvent['denytrace']['decision'];
  ids?: string[]; upstream?: number | null; rule?: string; ruleset?: string; dataset?: string; method?: string; path?: string; query?: string; ua?: string; ip?: string;
  refusedBy?: { layer: Layer; component: string }; observerType?: string;
}): DenyEvent {
  seq++;
  return {
    '@timestamp': p.at,
    event: { dataset: p.dataset ?? p.component, id: `e${String(seq).padStart(4, '0')}` },
    observer: { type: p.observerType ?? p.layer, vendor: 'x', product: p.component },
    http: { request: { method: p.method ?? 'GET' }, response: p.status === undefined ? undefined : { status_code: p.status } },
    url: { path: p.path ?? '/x', query: p.query },
    user_agent: p.ua ? { original: p.ua } : undefined,
    source: p.ip ? { ip: p.ip } : undefined,
    rule: p.rule ? { id: p.rule, ruleset: p.ruleset } : undefined,
    denytrace: {
      layer: p.layer, component: p.component, hop: p.hop, decision: p.decision, correlation_ids: p.ids ?? [],
      upstream_status: p.upstream, refused_by: p.refusedBy,
    },
  };
}

const T = '2024-03-12T12:00:0';
const waf = (s: number, ids: string[], block: boolean, rule = 'geo-blocklist') =>
  ev({ at: `${T}${s}.100Z`, component: 'aws-waf', layer: 'waf', hop: 10, status: block ? 403 : undefined, decision: block ? 'deny' : 'pass', ids, rule, dataset: 'aws.waf' });
const cf = (s: number, ids: string[], status = 403, extra: Partial<Parameters<typeof ev>[0]> = {}) =>
  ev({ at: `${T}${s}.000Z`, component: 'cloudfront', layer: 'cdn', hop: 20, status, decision: 'unknown', ids, dataset: 'aws.cloudfront', ...extra });
const alb = (s: number, ids: string[], target: number | null, extra: Partial<Parameters<typeof ev>[0]> = {}) =>
  ev({ at: `${T}${s}.200Z`, component: 'alb', layer: 'gateway', hop: 40, status: 403, decision: target === null ? 'deny' : 'pass', upstream: target, ids, dataset: 'aws.elb', observerType: 'load-balancer', ...extra });
const nginx = (s: number, ids: string[], ups: number | null, extra: Partial<Parameters<typeof ev>[0]> = {}) =>
  ev({ at: `${T}${s}.300Z`, component: 'nginx', layer: 'gateway', hop: 50, status: 403, decision: ups === null ? 'deny' : 'pass', upstream: ups, ids, dataset: 'nginx.access', ...extra });
const app = (s: number, ids: string[], rule: string) =>
  ev({ at: `${T}${s}.250Z`, component: 'app', layer: 'app', hop: 60, status: 403, decision: 'deny', ids, rule, dataset: 'app.audit' });

describe('correlate: emitting layer and decisive rule', () => {
  it('a layer that passed an inner 403 through is not the emitter; the app that denied is', () => {
    const events = [
      cf(5, ['amzcf:A']),
      alb(4, ['xray:1-a-b'], 403),
      nginx(6, ['amzcf:A', 'xray:1-a-b', 'xrid:r1'], 403),
      app(4, ['xrid:r1', 'xray:1-a-b'], 'rbac:role/viewer lacks invoice.close'),
    ];
    const [v] = correlate(events);
    expect(v.emitting_layer).toBe('app');
    expect(v.emitter?.component).toBe('app');
    expect(v.decisive_rule?.id).toBe('rbac:role/viewer lacks invoice.close');
    expect(v.events.map((e) => e.component)).toEqual(['cloudfront', 'alb', 'nginx', 'app']);
    expect(v.join).toBe('id');
    expect(v.status).toBe(403);
    expect(v.confidence_label).toBe('high');
  });

  it('the outermost refusal wins: a WAF block before CloudFront', () => {
    const [v] = correlate([cf(1, ['amzcf:B']), waf(1, ['amzcf:B'], true)]);
    expect(v.emitting_layer).toBe('waf');
    expect(v.decisive_rule?.id).toBe('geo-blocklist');
    expect(v.events[0].component).toBe('aws-waf');
  });

  it('a proxy that answered 403 without forwarding is the emitter (nginx allow-list)', () => {
    const [v] = correlate([cf(2, ['amzcf:C']), alb(2, ['xray:1-c-c'], 403), nginx(3, ['amzcf:C', 'xray:1-c-c', 'xrid:r3'], null, { rule: 'admin-allowlist' })]);
    expect(v.emitting_layer).toBe('gateway');
    expect(v.emitter?.component).toBe('nginx');
    expect(v.decisive_rule?.id).toBe('admin-allowlist');
  });

  it('a refusal made by an attached web ACL seen only in the ALB log names the WAF and says its log is missing', () => {
    const [v] = correlate([alb(1, ['xray:1-d-d'], null, { rule: 'waf', refusedBy: { layer: 'waf', component: 'aws-waf' } })]);
    expect(v.emitting_layer).toBe('waf');
    expect(v.emitter?.component).toBe('aws-waf');
    expect(v.missing_layers).toContain('aws-waf');
    expect(v.confidence).toBeLessThan(0.95);
  });

  it('a refusal passed from beyond every logged layer names the missing layer with low confidence', () => {
    const coverage = coverageFromSpans([{ component: 'alb', hop: 40, first: 0, last: Date.parse('2030-01-01') }]);
    const [v] = correlate([alb(1, ['xray:1-e-e'], 403)], { coverage });
    expect(v.emitting_layer).toBe('app');
    expect(v.emitter).toBeNull();
    expect(v.confidence_label).toBe('low');
    expect(v.missing_layers.join()).toMatch(/app/);
  });

  it('C10 kind: nginx 403 without $upstream_status behind an ALB that passed 403 → nginx, app not ingested', () => {
    const coverage = coverageFromSpans([
      { component: 'alb', hop: 40, first: 0, last: Date.parse('2030-01-01') },
      { component: 'nginx', hop: 50, first: 0, last: Date.parse('2030-01-01') },
    ]);
    const n = ev({ at: '2019-01-02T09:00:00.000Z', component: 'nginx', layer: 'gateway', hop: 50, status: 403, decision: 'unknown', ids: ['xray:1-5c2c7d90-1a2b3c4d5e6f708192a3b4c5'], dataset: 'nginx.access' });
    const a = ev({ at: '2019-01-02T09:00:00.051Z', component: 'alb', layer: 'gateway', hop: 40, status: 403, decision: 'pass', upstream: 403, ids: ['xray:1-5c2c7d90-1a2b3c4d5e6f708192a3b4c5'], dataset: 'aws.elb' });
    const [v] = correlate([n, a], { coverage });
    expect(v.emitter?.component).toBe('nginx');
    expect(v.join).toBe('id');
    expect(v.missing_layers).toEqual(['app (behind nginx)']);
    expect(v.flags.filter((f) => f.startsWith('clock_skew'))).toEqual([]);
  });
});

describe('correlate: joins', () => {
  it('keeps a request whole when hosts disagree by seconds', () => {
    const late = nginx(9, ['amzcf:F', 'xrid:r9'], 403);
    const verdicts = correlate([cf(1, ['amzcf:F']), late, app(2, ['xrid:r9'], 'tenant-isolation')]);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0].emitting_layer).toBe('app');
  });

  it('an id reused by one source glues nothing and is flagged', () => {
    // A client sending a fixed X-Request-ID: two different requests, two nginx lines, one id.
    const a = nginx(1, ['xrid:fixed', 'amzcf:G1'], null, { rule: 'admin-allowlist' });
    const b = nginx(3, ['xrid:fixed', 'amzcf:G2'], 403);
    const verdicts = correlate([a, b, app(3, ['xrid:fixed'], 'tenant-isolation')]);
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    const holding = (e: DenyEvent) => verdicts.filter((v) => v.events.some((x) => x.id === e.event.id));
    expect(holding(a)).toHaveLength(1);
    expect(holding(a)[0]).not.toBe(holding(b)[0]);
    expect(verdicts.some((v) => v.flags.some((f) => f.startsWith('untrusted_id:xrid:fixed')))).toBe(true);
  });

  it('an id spanning longer than the bound is not trusted', () => {
    const a = ev({ at: '2024-03-12T12:00:00.000Z', component: 'app', layer: 'app', hop: 60, status: 403, decision: 'deny', ids: ['xrid:same'], dataset: 'app.audit', rule: 'x' });
    const b = ev({ at: '2024-03-12T12:30:00.000Z', component: 'nginx', layer: 'gateway', hop: 50, status: 403, decision: 'pass', upstream: 403, ids: ['xrid:same'], dataset: 'nginx.access' });
    expect(correlate([a, b])).toHaveLength(2);
  });

  it('joins an ALB fixed-response to its CloudFront line by match (no shared id) and says so', () => {
    const ua = 'Prometheus/2.50.1';
    const c = cf(1, ['amzcf:H'], 403, { path: '/internal/metrics', ua, ip: '203.0.113.9' });
    const a = alb(0, ['xray:1-h-h'], null, { path: '/internal/metrics', ua, rule: '5' });
    // The same route a minute later, another request: must not be taken.
    const other = ev({ at: '2024-03-12T12:01:30.000Z', component: 'alb', layer: 'gateway', hop: 40, status: 403, decision: 'deny', ids: ['xray:1-i-i'], dataset: 'aws.elb', path: '/internal/metrics', ua, rule: '5' });
    const verdicts = correlate([c, a, other]);
    const joined = verdicts.find((v) => v.events.length === 2)!;
    expect(joined.emitter?.component).toBe('alb');
    expect(joined.decisive_rule?.id).toBe('5');
    expect(joined.join).toBe('match');
    expect(joined.client.ip).toBe('203.0.113.9');
    expect(verdicts).toHaveLength(2);
  });

  it('attaches an nginx error-log line (no ids) to its access line, giving the rule', () => {
    const access = nginx(1, ['amzcf:J', 'xrid:rj'], null, { path: '/admin/', ip: '198.51.100.7' });
    const error = ev({ at: `${T}1.000Z`, component: 'nginx', layer: 'gateway', hop: 50, status: 403, decision: 'deny', ids: [], dataset: 'nginx.error', path: '/admin/', ip: '198.51.100.7', rule: 'admin-allowlist' });
    const otherClient = ev({ at: `${T}1.000Z`, component: 'nginx', layer: 'gateway', hop: 50, status: 403, decision: 'deny', ids: [], dataset: 'nginx.error', path: '/admin/', ip: '198.51.100.8', rule: 'admin-allowlist' });
    const verdicts = correlate([cf(2, ['amzcf:J']), access, error, otherClient]);
    const v = verdicts.find((x) => x.events.length === 3)!;
    expect(v.decisive_rule?.id).toBe('admin-allowlist');
    expect(v.events.map((e) => e.dataset)).toEqual(['aws.cloudfront', 'nginx.access', 'nginx.error']);
  });

  it('gives the same verdicts whatever order the events arrive in', () => {
    const events = [cf(5, ['amzcf:K']), nginx(6, ['amzcf:K', 'xrid:rk'], 403), app(4, ['xrid:rk'], 'p'), waf(1, ['amzcf:L'], true), cf(1, ['amzcf:L'])];
    const a = correlate(events, { now: 0 });
    const b = correlate([...events].reverse(), { now: 0 });
    expect(b).toEqual(a);
  });
});

describe('correlate: the innermost layer', () => {
  it('an app that allowed the call but answered 401 itself (failed login) is the emitter, with no rule', () => {
    const a = ev({ at: `${T}1.000Z`, component: 'app', layer: 'app', hop: 60, status: 401, decision: 'pass', ids: ['xrid:L1'], dataset: 'app.audit' });
    const n = nginx(2, ['xrid:L1', 'amzcf:L1'], 401);
    const [v] = correlate([cf(1, ['amzcf:L1'], 401), n, a]);
    expect(v.emitting_layer).toBe('app');
    expect(v.decisive_rule).toBeNull();
    expect(v.confidence_label).toBe('high');
    expect(v.flags).toContain('answered_after_allow');
  });
});

describe('correlate: a web ACL attached to the ALB', () => {
  it('its block is the emitter, joined to the ALB by the trace id and to CloudFront by match', () => {
    const ua = 'curl/8.4.0';
    const c = cf(1, ['amzcf:W1'], 403, { path: '/login', ua, ip: '203.0.113.77', method: 'POST' });
    // The regional web ACL logs the CloudFront edge as client (130.176.x), and the ALB trace id as requestId.
    const w = ev({ at: `${T}0.900Z`, component: 'aws-waf', layer: 'waf', hop: 30, status: 403, decision: 'deny', ids: ['xray:1-65f0609e-aaaaaaaaaaaaaaaaaaaaaaaa'], dataset: 'aws.waf', rule: 'login-rate-limit', path: '/login', ua, ip: '130.176.1.1', method: 'POST' });
    const a = alb(0, ['xray:1-65f0609e-aaaaaaaaaaaaaaaaaaaaaaaa'], null, { path: '/login', ua, method: 'POST', refusedBy: { layer: 'waf', component: 'aws-waf' }, rule: 'waf' });
    const [v, ...rest] = correlate([c, w, a]);
    expect(rest).toHaveLength(0);
    expect(v.emitting_layer).toBe('waf');
    expect(v.emitter?.component).toBe('aws-waf');
    expect(v.decisive_rule?.id).toBe('login-rate-limit');
    expect(v.missing_layers).toEqual([]);
    expect(v.client.ip).toBe('203.0.113.77');
    expect(v.join).toBe('match');
  });
});

describe('correlate: a CDN error 403 is never blamed on the CDN that only passed it on', () => {
  const far = Date.parse('2030-01-01');
  const onlyCdnAndWaf = coverageFromSpans([{ component: 'aws-waf', hop: 10, first: 0, last: far }, { component: 'cloudfront', hop: 20, first: 0, last: far }]);
  const onlyCdnAndOrigin = coverageFromSpans([{ component: 'cloudfront', hop: 20, first: 0, last: far }, { component: 'alb', hop: 40, first: 0, last: far }]);

  it('web ACL logged (no block), origin not ingested → nobody named, the origin is missing', () => {
    const [v] = correlate([cf(1, ['amzcf:X1'])], { coverage: onlyCdnAndWaf });
    expect(v.emitting_layer).toBeNull();
    expect(v.emitter).toBeNull();
    expect(v.missing_layers).toEqual(['origin (behind cloudfront)']);
    expect(v.confidence_label).toBe('low');
  });

  it('origin logged nothing, web ACL log missing → the web ACL, named as missing', () => {
    const [v] = correlate([cf(1, ['amzcf:X2'])], { coverage: onlyCdnAndOrigin });
    expect(v.emitting_layer).toBe('waf');
    expect(v.emitter?.component).toBe('aws-waf');
    expect(v.missing_layers).toEqual(['aws-waf']);
  });

  it('an app audit line without query string still matches the CloudFront line with one', () => {
    const c = cf(1, ['amzcf:X3'], 403, { path: '/v1/invoices', query: 'page=2', method: 'GET' });
    const a = app(1, ['xrid:only-app'], 'tenant-isolation');
    a.url = { path: '/v1/invoices' };
    const verdicts = correlate([c, a], { coverage: coverageFromSpans([{ component: 'cloudfront', hop: 20, first: 0, last: far }, { component: 'app', hop: 60, first: 0, last: far }]) });
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0].emitting_layer).toBe('app');
    expect(verdicts[0].join).toBe('match');
  });
});
