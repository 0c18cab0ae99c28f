import type { Verdict } from '@denytrace/schema';
import { summarize } from './report';

function verdict(p: { status: number; layer: Verdict['emitting_layer']; component: string; rule: string | null; country: string; network: string; path: string; label?: Verdict['confidence_label'] }): Verdict {
  return {
    trace_id: Math.random().toString(36), correlation_ids: [], status: p.status, emitting_layer: p.layer,
    emitter: { event: { dataset: p.component }, component: p.component, observer: { type: 'x', vendor: 'x', product: 'x' } },
    decisive_rule: p.rule ? { id: p.rule, name: null, ruleset: 'rs' } : null, confidence: 0.9, confidence_label: p.label ?? 'high',
    missing_layers: [], join: 'id', explanation: [], flags: [],
    request: { method: 'GET', domain: null, path: p.path, query: null },
    client: { ip: null, country: p.country, region: null, network: p.network, organization: null },
    user: { id: null, roles: [], tenant: null }, service: { name: null, version: null },
    first_seen: '2024-03-12T12:00:00.000Z', last_seen: '2024-03-12T12:00:01.000Z', provisional: false, events: [],
  };
}

describe('summarize', () => {
  const vs = [
    verdict({ status: 403, layer: 'waf', component: 'aws-waf', rule: 'geo-blocklist', country: 'BR', network: '192.0.2.0/24', path: '/v1/orders/123' }),
    verdict({ status: 403, layer: 'waf', component: 'aws-waf', rule: 'geo-blocklist', country: 'BR', network: '192.0.2.0/24', path: '/v1/orders/456' }),
    verdict({ status: 403, layer: 'app', component: 'app', rule: 'tenant-isolation', country: 'DE', network: '198.51.100.0/24', path: '/v1/invoices', label: 'low' }),
    verdict({ status: 401, layer: 'app', component: 'app', rule: null, country: 'US', network: '203.0.113.0/24', path: '/v1/auth/login' }),
  ];

  it('counts only the asked status, by emitting layer × decisive rule, most first', () => {
    const r = summarize(vs);
    expect(r.verdicts).toBe(3);
    expect(r.by_layer).toEqual({ waf: 2, app: 1 });
    expect(r.by_layer_rule.map((x) => [x.emitting_layer, x.rule_id, x.count])).toEqual([['waf', 'geo-blocklist', 2], ['app', 'tenant-isolation', 1]]);
    expect(r.low_confidence).toBe(1);
  });

  it('folds ids in routes and ranks countries and networks', () => {
    const r = summarize(vs);
    expect(r.top_paths[0]).toEqual({ value: 'GET /v1/orders/{id}', count: 2 });
    expect(r.top_countries).toEqual([{ value: 'BR', count: 2 }, { value: 'DE', count: 1 }]);
    expect(r.top_networks[0]).toEqual({ value: '192.0.2.0/24', count: 2 });
    expect(summarize(vs, { status: 401 }).verdicts).toBe(1);
  });
});
