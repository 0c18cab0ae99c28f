import type { DenyEvent } from '@denytrace/schema';
import { methodClass, MinuteCounters } from './minute-counters';

function ev(ts: string, method?: string, status?: number, country?: string): DenyEvent {
  return {
    '@timestamp': ts,
    event: { dataset: 'nginx.access', id: ts },
    observer: { type: 'proxy', vendor: 'F5', product: 'nginx' },
    http: { request: { method }, response: { status_code: status } },
    source: country ? { geo: { country_iso_code: country } } : undefined,
    denytrace: { layer: 'gateway', component: 'nginx', hop: 50, decision: 'pass', correlation_ids: [] },
  };
}

describe('MinuteCounters', () => {
  it('aggregates by UTC minute start (epoch ms) and the CounterRow dimensions', () => {
    const c = new MinuteCounters();
    c.add(ev('2024-03-12T14:20:00.000Z', 'GET', 403, 'US'));
    c.add(ev('2024-03-12T14:20:59.999Z', 'GET', 403, 'US'));
    c.add(ev('2024-03-12T14:21:00.000Z', 'POST', 200));
    c.add(ev('2024-03-12T15:20:30+01:00', 'get', 403, 'US'));
    expect(c.add(ev('not a time'))).toBe(false);
    const rows = c.drain().sort((a, b) => a.minute - b.minute);
    expect(rows).toEqual([
      { minute: Date.UTC(2024, 2, 12, 14, 20), dataset: 'nginx.access', layer: 'gateway', status: 403, method_class: 'read', country: 'US', count: 3 },
      { minute: Date.UTC(2024, 2, 12, 14, 21), dataset: 'nginx.access', layer: 'gateway', status: 200, method_class: 'write', country: '', count: 1 },
    ]);
    expect(c.size).toBe(0);
  });

  it('classes methods as the CounterRow contract says', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(methodClass)).toEqual(['read', 'read', 'read']);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(methodClass)).toEqual(['write', 'write', 'write', 'write']);
    expect([undefined, 'TRACE', 'PROPFIND'].map(methodClass)).toEqual(['other', 'other', 'other']);
  });
});
