import type { Spike, WebhookSubscription } from '@denytrace/schema';

/** A region-wide block, firing: typed by hand for the format tests. */
export const regionSpike: Spike = {
  id: 'spk_2024-03-12T14:50Z_geo_BR',
  kind: 'region_block',
  dimension: 'source.geo.country_iso_code',
  value: 'BR',
  start: '2024-03-12T14:50:00.000Z',
  end: null,
  status: 'firing',
  detected_at: '2024-03-12T14:50:30.000Z',
  p_value: 1e-30,
  sources: 57,
  series: { dimension: 'source.geo.country_iso_code', value: 'BR', scope: '*', test: 'ratio', expected: 0.004 },
  last_elevated_at: '2024-03-12T15:00:00.000Z',
  also_matched: [{ dimension: 'rule.id', value: 'GeoBlockSA', scope: '*', share: 0.97 }],
  baseline: { denied_per_min: 0.5, requests_per_min: 120, deny_ratio: 0.004 },
  observed: { denied_per_min: 42, requests_per_min: 110, deny_ratio: 0.381 },
  magnitude: 84,
  denied: 420,
  top_emitter: { layer: 'waf', component: 'aws-waf', rule_id: 'GeoBlockSA', share: 0.97 },
  sample_trace_ids: ['fc59w8RrRxyhsWl4z8VQ', 'a1', 'b2', 'c3'],
  summary: '403s from BR up ×84 (42.0/min vs 0.5/min), 97% by waf rule GeoBlockSA',
  updated_at: '2024-03-12T15:00:00.000Z',
};

/** A post-rollout write denial with its deploy, resolved. */
export const rolloutSpike: Spike = {
  id: 'spk-orders-2.3.1',
  kind: 'post_rollout_write_denial',
  dimension: 'service.name',
  value: 'orders',
  start: '2024-03-12T10:02:00.000Z',
  end: '2024-03-12T10:40:00.000Z',
  status: 'resolved',
  detected_at: '2024-03-12T10:03:00.000Z',
  p_value: 2e-12,
  sources: 40,
  series: { dimension: 'service.name', value: 'orders', scope: 'write', test: 'ratio', expected: 0.0007 },
  last_elevated_at: '2024-03-12T10:37:00.000Z',
  also_matched: [],
  baseline: { denied_per_min: 0.2, requests_per_min: 300, deny_ratio: 0.0007 },
  observed: { denied_per_min: 60, requests_per_min: 310, deny_ratio: 0.194 },
  magnitude: 300,
  denied: 2280,
  top_emitter: { layer: 'app', component: 'orders', rule_id: 'orders.write', share: 1 },
  sample_trace_ids: ['t1'],
  deploy: { id: 'dep-77', service: 'orders', version: '2.3.1', environment: 'prod', started_at: '2024-03-12T10:00:00.000Z', finished_at: '2024-03-12T10:01:30.000Z', link: 'https://ci.example.com/deploys/77' },
  service: 'orders', role: 'clerk', route: 'POST /orders', method_class: 'write',
  summary: 'orders 2.3.1: writes refused for role clerk since the deploy (60.0/min vs 0.2/min)',
  updated_at: '2024-03-12T10:41:00.000Z',
};

export const subscription = (format: WebhookSubscription['format'], id: string, extra: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id, url: 'https://hooks.example.com/in', secret: 'whsec_test', format, created_at: '2024-03-01T00:00:00.000Z', ...extra,
});
