import { createHmac } from 'node:crypto';
import { buildWebhookRequest } from './request';
import { subscriptionMatches } from './subscription-match';
import { regionSpike, rolloutSpike, subscription } from './testing/spike.fixture';

const NOW = Date.UTC(2024, 2, 12, 15, 0, 0);

describe('buildWebhookRequest', () => {
  it.each(['generic', 'slack', 'pagerduty'] as const)('%s: POST to the subscription URL, signed over the exact body', (format) => {
    const sub = subscription(format, 'sub-x', { url: 'https://hooks.example.com/a', secret: 's3cret' });
    const req = buildWebhookRequest(regionSpike, 'firing', sub, { now: NOW });
    expect(req.url).toBe('https://hooks.example.com/a');
    expect(req.method).toBe('POST');
    const hmac = createHmac('sha256', 's3cret').update(`${NOW / 1000}.${req.body}`).digest('hex');
    expect(req.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'denytrace-webhooks/1',
      'X-Denytrace-Event': 'spike.firing',
      'X-Denytrace-Dedup-Key': expect.stringMatching(/^denytrace-[0-9a-f]{40}$/),
      'X-Denytrace-Signature': `t=${NOW / 1000},v1=${hmac}`,
    });
    if (format !== 'slack') expect(JSON.parse(req.body).dedup_key).toBe(req.headers['X-Denytrace-Dedup-Key']);
  });
  it('picks the body shape by format', () => {
    const body = (f: 'generic' | 'slack' | 'pagerduty') => JSON.parse(buildWebhookRequest(rolloutSpike, 'resolved', subscription(f, 'sub-x'), { now: NOW }).body);
    expect(body('generic').type).toBe('spike.resolved');
    expect(body('slack').blocks).toHaveLength(3);
    expect(body('pagerduty').event_action).toBe('resolve');
  });
});

describe('subscriptionMatches', () => {
  it('filters by kinds and services when given', () => {
    expect(subscriptionMatches(regionSpike, subscription('generic', 'a'))).toBe(true);
    expect(subscriptionMatches(regionSpike, subscription('generic', 'a', { kinds: ['new_rule'] }))).toBe(false);
    expect(subscriptionMatches(regionSpike, subscription('generic', 'a', { kinds: ['region_block'], services: [] }))).toBe(true);
    expect(subscriptionMatches(regionSpike, subscription('generic', 'a', { services: ['orders'] }))).toBe(false); // no service on the spike
    expect(subscriptionMatches(rolloutSpike, subscription('generic', 'a', { services: ['orders'] }))).toBe(true);
    expect(subscriptionMatches({ ...rolloutSpike, service: undefined }, subscription('generic', 'a', { services: ['orders'] }))).toBe(true); // the deploy's service
  });
});
