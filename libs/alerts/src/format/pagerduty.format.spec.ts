import { formatPagerDuty, PAGERDUTY_SUMMARY_MAX } from './pagerduty.format';
import { regionSpike, rolloutSpike, subscription } from '../testing/spike.fixture';

// printf '["sub-pd","<spike id>"]' | sha256sum | cut -c1-40
const KEY_REGION = 'denytrace-284f6f4250dfd855e4061905eb2119908c21c9eb';
const KEY_ROLLOUT = 'denytrace-590031adc17fe4b4799769bedd78ce7cf2a3aac9';
const sub = subscription('pagerduty', 'sub-pd', { url: 'https://events.pagerduty.com/v2/enqueue', secret: 'R0UTINGKEY0123456789abcdef012345' });

describe('PagerDuty Events API v2 format', () => {
  it('firing → a trigger event with the fields of the Events API v2 reference', () => {
    const out = formatPagerDuty(rolloutSpike, 'firing', sub, { dashboardUrl: 'https://dt.example.com' });
    expect(out.contentType).toBe('application/json');
    expect(JSON.parse(out.body)).toEqual({
      routing_key: 'R0UTINGKEY0123456789abcdef012345',
      event_action: 'trigger',
      dedup_key: KEY_ROLLOUT,
      payload: {
        summary: 'orders 2.3.1: writes refused for role clerk since the deploy (60.0/min vs 0.2/min)',
        source: 'orders',
        severity: 'error',
        timestamp: '2024-03-12T10:02:00.000Z',
        component: 'orders',
        group: 'app',
        class: 'post_rollout_write_denial',
        custom_details: {
          kind: 'post_rollout_write_denial',
          dimension: 'service.name',
          value: 'orders',
          start: '2024-03-12T10:02:00.000Z',
          denied: 2280,
          observed: { denied_per_min: 60, requests_per_min: 310, deny_ratio: 0.194 },
          baseline: { denied_per_min: 0.2, requests_per_min: 300, deny_ratio: 0.0007 },
          magnitude: 300,
          emitting_layer: 'app',
          emitting_component: 'orders',
          decisive_rule: 'orders.write',
          emitter_share: 1,
          sample_trace_ids: ['t1'],
          service: 'orders',
          role: 'clerk',
          route: 'POST /orders',
          method_class: 'write',
          deploy: { id: 'dep-77', service: 'orders', version: '2.3.1', environment: 'prod', started_at: '2024-03-12T10:00:00.000Z' },
        },
      },
      client: 'denytrace',
      client_url: 'https://dt.example.com/spikes/spk-orders-2.3.1',
      links: [
        { href: 'https://dt.example.com/spikes/spk-orders-2.3.1', text: 'Spike in denytrace' },
        { href: 'https://ci.example.com/deploys/77', text: 'Deploy orders 2.3.1' },
      ],
    });
  });

  it('resolved → a resolve event with the same routing key and dedup key, nothing else', () => {
    const fired = JSON.parse(formatPagerDuty(rolloutSpike, 'firing', sub).body);
    const out = formatPagerDuty(rolloutSpike, 'resolved', sub);
    expect(JSON.parse(out.body)).toEqual({ routing_key: 'R0UTINGKEY0123456789abcdef012345', event_action: 'resolve', dedup_key: KEY_ROLLOUT });
    expect(fired.dedup_key).toBe(KEY_ROLLOUT);
  });

  it('without a service the source is the top emitter; no dashboard → no links', () => {
    const body = JSON.parse(formatPagerDuty(regionSpike, 'firing', sub, { severity: 'critical' }).body);
    expect(body.dedup_key).toBe(KEY_REGION);
    expect(body.payload.source).toBe('waf:aws-waf');
    expect(body.payload.severity).toBe('critical');
    expect(body.links).toBeUndefined();
    expect(body.client_url).toBeUndefined();
    expect(body.payload.custom_details.sample_trace_ids).toEqual(['fc59w8RrRxyhsWl4z8VQ', 'a1', 'b2', 'c3']);
  });

  it('summary: control characters stripped, cut to 1024 characters', () => {
    const long = { ...regionSpike, summary: 'rule \u001b[2J\r\nx'.padEnd(3000, 'y'), value: 'B\u0000R' };
    const body = JSON.parse(formatPagerDuty(long, 'firing', sub).body);
    expect(body.payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(body.payload.summary.startsWith('rule [2J  x')).toBe(true);
    expect(body.payload.summary.endsWith('…')).toBe(true);
    expect(body.payload.custom_details.value).toBe('BR');
    expect(JSON.stringify(body)).not.toMatch(/\\u00[01]/);
  });

  it('a non-http deploy link is dropped', () => {
    const s = { ...rolloutSpike, deploy: { ...rolloutSpike.deploy!, link: 'javascript:alert(1)' } };
    const body = JSON.parse(formatPagerDuty(s, 'firing', sub).body);
    expect(body.links).toBeUndefined();
  });
});
