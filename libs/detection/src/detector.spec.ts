import { toDeploy, type Verdict } from '@denytrace/schema';
import type { DimensionCounterRow } from '@denytrace/store';
import { denialOf } from './denial';
import { Detector } from './detector';
import { DetectionData } from './series';

/**
 * Hand-built worlds: 60 minutes of steady traffic, then one change. Every figure below is chosen by
 * hand so the right answer is known without running detection: which kind fires, on which value,
 * and what must stay silent.
 */
const T0 = Date.UTC(2024, 2, 12, 12, 0, 0);
const B = 30_000;
const MIN = 60_000;

/** Per 30 s bucket: 40 requests from each of US, DE, BR, 40 from each of three /24s, 130 on three routes, billing-api 20 reads and 10 writes; all passed. */
function steadyRows(minutes: number): DimensionCounterRow[] {
  const rows: DimensionCounterRow[] = [];
  for (let b = T0; b < T0 + minutes * MIN; b += B) {
    const add = (dataset: string, dimension: DimensionCounterRow['dimension'], value: string, count: number, method_class: 'read' | 'write' = 'read') =>
      rows.push({ bucket: b, dataset, dimension, value, method_class, count, ok: count });
    for (const c of ['US', 'DE', 'BR']) add('aws.waf', 'source.geo.country_iso_code', c, 40);
    for (const n of ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']) add('aws.cloudfront', 'source.ip', n, 40);
    add('aws.cloudfront', 'url.path', '/v1/orders', 110);
    add('aws.cloudfront', 'url.path', '/admin/api/tickets', 10);
    add('aws.cloudfront', 'url.path', '/v1/invoices', 10);
    add('app.audit', 'service.name', 'billing-api', 20, 'read');
    add('app.audit', 'service.name', 'billing-api', 10, 'write');
  }
  return rows;
}

let n = 0;
/** A 403 verdict at `ms` with what detection reads. */
function verdict(ms: number, o: { ip: string; country: string; path?: string; method?: string; rule: string; type?: string; layer?: 'waf' | 'gateway' | 'app'; service?: string; role?: string }): Verdict {
  n += 1;
  return {
    trace_id: `t${n}`, correlation_ids: [], status: 403, emitting_layer: o.layer ?? 'waf',
    emitter: { event: { dataset: 'x' }, component: o.layer === 'app' ? 'app' : o.layer === 'gateway' ? 'nginx' : 'aws-waf', observer: { type: 'waf', vendor: 'x', product: 'x' } },
    decisive_rule: { id: o.rule, name: null, ruleset: null, type: o.type ?? 'REGULAR' }, confidence: 1, confidence_label: 'high', missing_layers: [], join: 'id',
    explanation: [], flags: [], request: { method: o.method ?? 'GET', domain: null, path: o.path ?? '/v1/orders', query: null },
    client: { ip: o.ip, country: o.country, region: null, network: null, organization: null },
    user: { id: null, roles: o.role ? [o.role] : [], tenant: null }, service: { name: o.service ?? null, version: null },
    first_seen: new Date(ms).toISOString(), last_seen: new Date(ms).toISOString(), provisional: false, events: [],
  };
}

/** Runs every tick from minute 20 to minute `end` and returns the spikes. */
function run(vs: Verdict[], deploys = [] as ReturnType<typeof toDeploy>[], end = 75) {
  const data = new DetectionData(steadyRows(end), vs.map(denialOf));
  const d = new Detector(data, deploys);
  const all = new Map<string, ReturnType<Detector['tick']>['opened'][number]>();
  for (let t = T0 + 20 * MIN; t <= T0 + end * MIN; t += B) {
    const r = d.tick(t);
    for (const s of [...r.opened, ...r.updated, ...r.resolved]) all.set(s.id, s);
  }
  return [...all.values()];
}

/** Background: one tenant-isolation 403 every 2 minutes from a rotating address (a ratio of ~0.1 %). */
function background(): Verdict[] {
  const out: Verdict[] = [];
  for (let m = 0; m < 75; m += 2) out.push(verdict(T0 + m * MIN + 7_000, { ip: `192.0.2.${10 + (m % 50)}`, country: 'US', rule: 'tenant-isolation', layer: 'app' }));
  return out;
}

describe('Detector on hand-built worlds', () => {
  it('stays silent on background alone', () => {
    expect(run(background())).toEqual([]);
  });

  it('a country whose requests are all refused from minute 60, from many addresses in 3 networks: region_block, found at the first ticks', () => {
    const vs = background();
    for (let i = 0; i < 200; i++) {
      const net = ['192.0.2', '198.51.100', '203.0.113'][i % 3];
      vs.push(verdict(T0 + 60 * MIN + i * 3000, { ip: `${net}.${100 + (i % 40)}`, country: 'BR', rule: 'geo-blocklist' }));
    }
    const spikes = run(vs);
    expect(spikes.map((s) => [s.kind, s.value, s.status])).toEqual([['region_block', 'BR', 'resolved']]);
    expect(Date.parse(spikes[0]!.detected_at) - (T0 + 60 * MIN)).toBeLessThanOrEqual(60_000);
    expect(spikes[0]!.end).toBe(new Date(T0 + 60 * MIN + 597_000).toISOString());
  });

  it('three NAT addresses refused by an allow-list on the admin route: source_network_block on their /28', () => {
    const vs = background();
    for (let s = 0; s < 10 * 60; s += 4) vs.push(verdict(T0 + 60 * MIN + s * 1000, { ip: `198.51.100.${[243, 250, 252][s % 3]}`, country: 'DE', path: '/admin/api/tickets', rule: 'admin-allowlist', layer: 'gateway' }));
    expect(run(vs).map((s) => [s.kind, s.value])).toEqual([['source_network_block', '198.51.100.240/28']]);
  });

  it('one address refused by a managed rule, or by a rate-based rule, is not a page; one refused by an allow-list is', () => {
    const burst = (rule: string, type: string, layer: 'waf' | 'gateway') => {
      const vs = background();
      for (let s = 0; s < 5 * 60; s += 2) vs.push(verdict(T0 + 60 * MIN + s * 1000, { ip: '203.0.113.9', country: 'US', rule, type, layer }));
      return run(vs).map((s) => s.kind);
    };
    expect(burst('SQLi_QUERYARGUMENTS', 'MANAGED_RULE_GROUP', 'waf')).toEqual([]);
    expect(burst('RateLimitLogin', 'RATE_BASED', 'waf')).toEqual([]);
    expect(burst('admin-allowlist', 'allow-list', 'gateway')).toEqual(['source_network_block']);
  });

  it('scanner probes of a route that never passed do not count', () => {
    const vs = background();
    for (let s = 0; s < 5 * 60; s += 2) vs.push(verdict(T0 + 60 * MIN + s * 1000, { ip: `198.51.100.${s % 200}`, country: 'DE', path: '/wp-login.php', rule: 'NoUserAgent_HEADER' }));
    expect(run(vs)).toEqual([]);
  });

  it('writes of a service refused after its deploy, reads passing: post_rollout_write_denial naming the deploy and role', () => {
    const vs = background();
    for (let s = 0; s < 10 * 60; s += 12) {
      vs.push(verdict(T0 + 61 * MIN + s * 1000, { ip: `192.0.2.${s % 250}`, country: 'US', method: 'POST', path: '/v1/invoices', rule: 'rbac:role/billing-writer lacks invoice.create', layer: 'app', service: 'billing-api', role: 'billing-writer' }));
    }
    const deploy = toDeploy({ service: 'billing-api', version: '2.15.0', environment: 'production', started_at: new Date(T0 + 60 * MIN).toISOString() }, 'test');
    const spikes = run(vs, [deploy]);
    expect(spikes.map((s) => [s.kind, s.value, s.deploy?.version, s.role])).toEqual([['post_rollout_write_denial', 'billing-api', '2.15.0', 'billing-writer']]);
    // without the deploy the same 403s are not a post-rollout spike
    expect(run(vs).map((s) => s.kind)).not.toContain('post_rollout_write_denial');
  });

  it('a handful of 403s (4 in a minute) never fires', () => {
    const vs = background();
    for (let s = 0; s < 4; s++) vs.push(verdict(T0 + 60 * MIN + s * 10_000, { ip: `192.0.2.${200 + s}`, country: 'US', method: 'POST', path: '/v1/orders', rule: 'rbac:role/viewer lacks export.tax_archive', layer: 'app' }));
    expect(run(vs)).toEqual([]);
  });
});
