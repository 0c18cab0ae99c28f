import { formatGeneric } from './generic.format';
import { regionSpike, rolloutSpike, subscription } from '../testing/spike.fixture';

// Dedup keys computed outside the code: printf '["sub-gen","<spike id>"]' | sha256sum | cut -c1-40
const KEY_REGION = 'denytrace-e86f2a6999dbdd6a8e3582e88097a8dfeb356733';
const KEY_ROLLOUT = 'denytrace-52c70d16582bf9e0e64137a3eef69dc25a5911fc';
const NOW = Date.UTC(2024, 2, 12, 15, 0, 5, 250);

describe('generic webhook format', () => {
  it('firing: type, dedup key, the spike unmodified, sent_at from the clock', () => {
    const out = formatGeneric(regionSpike, 'firing', subscription('generic', 'sub-gen'), { now: NOW });
    expect(out.contentType).toBe('application/json');
    expect(out.headers).toEqual({ 'X-Denytrace-Event': 'spike.firing', 'X-Denytrace-Dedup-Key': KEY_REGION });
    expect(JSON.parse(out.body)).toEqual({
      type: 'spike.firing',
      dedup_key: KEY_REGION,
      spike: regionSpike,
      sent_at: '2024-03-12T15:00:05.250Z',
    });
    // key order as documented
    expect(Object.keys(JSON.parse(out.body))).toEqual(['type', 'dedup_key', 'spike', 'sent_at']);
  });

  it('resolved, with the dashboard link when a dashboard URL is set', () => {
    const out = formatGeneric(rolloutSpike, 'resolved', subscription('generic', 'sub-gen'), { now: NOW, dashboardUrl: 'https://dt.example.com/ui/' });
    expect(JSON.parse(out.body)).toEqual({
      type: 'spike.resolved',
      dedup_key: KEY_ROLLOUT,
      spike: rolloutSpike,
      sent_at: '2024-03-12T15:00:05.250Z',
      dashboard_url: 'https://dt.example.com/ui/spikes/spk-orders-2.3.1',
    });
    expect(out.headers['X-Denytrace-Event']).toBe('spike.resolved');
  });

  it('a javascript: dashboard URL is not used', () => {
    const out = formatGeneric(regionSpike, 'firing', subscription('generic', 'sub-gen'), { now: NOW, dashboardUrl: 'javascript:alert(1)' });
    expect(JSON.parse(out.body).dashboard_url).toBeUndefined();
  });

  it('control characters in log values stay data: escaped by JSON, the body is one line', () => {
    const hostile = { ...regionSpike, value: 'BR\u0007\n\u001b[31m' };
    const out = formatGeneric(hostile, 'firing', subscription('generic', 'sub-gen'), { now: NOW });
    expect(out.body).not.toMatch(/[\u0000-\u001f]/);
    expect(JSON.parse(out.body).spike.value).toBe('BR\u0007\n\u001b[31m');
  });
});
