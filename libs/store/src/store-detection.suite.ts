/**
 * Part of the shared store suite (see store.suite.ts): dimension counters, verdicts by range,
 * deploys, spikes, webhooks, notification claims and the delivery log.
 */
import { toDeploy, type DeliveryRecord, type Spike, type WebhookSubscription } from '@denytrace/schema';
import type { DimensionCounterRow } from './detection-store';
import type { EventStore } from './event-store';
import { MIN, at, collect, counter, suiteVerdict, T0 } from './store.suite-fixtures';

function dim(offsetMs: number, over: Partial<DimensionCounterRow> = {}): DimensionCounterRow {
  return { bucket: T0 + offsetMs, dataset: 'aws.waf', dimension: 'source.geo.country_iso_code', value: 'BR', method_class: 'read', count: 1, ok: 1, ...over };
}

function spike(id: string, startMs: number, endMs: number | null): Spike {
  return {
    id, kind: 'region_block', dimension: 'source.geo.country_iso_code', value: 'BR', start: at(startMs), end: endMs === null ? null : at(endMs),
    status: endMs === null ? 'firing' : 'resolved', detected_at: at(startMs + 30_000),
    baseline: { denied_per_min: 0.1, requests_per_min: 17, deny_ratio: 0.006 }, observed: { denied_per_min: 19, requests_per_min: 19, deny_ratio: 1 },
    magnitude: 166, p_value: 1e-20, denied: 40, sources: 12,
    top_emitter: { layer: 'waf', component: 'aws-waf', rule_id: 'geo-blocklist', share: 1 }, sample_trace_ids: ['t1'],
    series: { dimension: 'source.geo.country_iso_code', value: 'BR', scope: '*', test: 'ratio', expected: 0.006 },
    last_elevated_at: at(startMs + 60_000), also_matched: [], summary: '403s from BR', updated_at: at(startMs + 60_000),
  };
}

const hook = (id: string, createdMs: number): WebhookSubscription => ({ id, url: `https://hooks.example.com/${id}`, secret: 's3cret', format: 'generic', created_at: at(createdMs) });

function delivery(webhookId: string, n: number): DeliveryRecord {
  return {
    id: `d${n}`, webhook_id: webhookId, spike_id: 'spk_1', event: 'firing', dedup_key: 'k', attempt: n, status_code: 500, ok: false, retryable: true,
    duration_ms: 12, error: null, response_excerpt: 'oops', at: at(n * 1000),
  };
}

/** Registers the detection-store tests; `current()` is the store of the running test. */
export function describeDetectionStore(current: () => EventStore): void {
  describe('dimension counters, deploys, spikes, webhooks', () => {
    let store: EventStore;
    beforeEach(() => {
      store = current();
    });

    it('adds dimension counters on their key, through addCounters and writeBatch, and reads a bucket range', async () => {
      await store.addCounters([counter(0)], [dim(0), dim(0, { count: 2, ok: 0 }), dim(30_000, { value: 'DE' })]);
      await store.writeBatch({ events: [], counters: [], quarantine: [], dimension_counters: [dim(0, { count: 4, ok: 4 }), dim(60_000)] });
      const rows = await store.dimensionCounts(T0, T0 + 60_000);
      const byKey = Object.fromEntries(rows.map((r) => [`${r.bucket - T0}/${r.value}`, [r.count, r.ok]]));
      expect(byKey).toEqual({ '0/BR': [7, 5], '30000/DE': [1, 1] });
    });

    it('streams verdicts of a time range oldest first, optionally one status', async () => {
      const vs = [suiteVerdict({ traceId: 'b', firstSeenMs: 2000 }), suiteVerdict({ traceId: 'a', firstSeenMs: 1000 }), suiteVerdict({ traceId: 'c', firstSeenMs: 3000, status: 200 }), suiteVerdict({ traceId: 'd', firstSeenMs: 61_000 })];
      await store.replaceTraces(at(0), at(2 * MIN), vs);
      expect((await collect(store.tracesInRange(at(0), at(MIN)))).map((v) => v.trace_id)).toEqual(['a', 'b', 'c']);
      expect((await collect(store.tracesInRange(at(0), at(2 * MIN), { status: 403 }))).map((v) => v.trace_id)).toEqual(['a', 'b', 'd']);
    });

    it('records deploys once by id, updating finished_at, and lists them by time and service', async () => {
      const d1 = toDeploy({ service: 'billing-api', version: '2.15.0', environment: 'production', started_at: at(0) }, 'api');
      const d2 = toDeploy({ service: 'orders-api', version: '3.9.1', started_at: at(5 * MIN) }, 'api');
      expect(await store.recordDeploys([d1, d2])).toEqual({ inserted: 2, updated: 0 });
      expect(await store.recordDeploys([d1])).toEqual({ inserted: 0, updated: 0 });
      const finished = { ...d1, finished_at: at(4 * MIN) };
      expect(await store.recordDeploys([finished])).toEqual({ inserted: 0, updated: 1 });
      expect(await store.listDeploys({})).toEqual([finished, d2]);
      expect(await store.listDeploys({ service: 'orders-api' })).toEqual([d2]);
      expect(await store.listDeploys({ since: at(MIN), until: at(10 * MIN) })).toEqual([d2]);
    });

    it('upserts spikes and lists those overlapping a range, newest start first, by status, paged', async () => {
      const a = spike('spk_a', 0, 10 * MIN);
      const b = spike('spk_b', 20 * MIN, null);
      const c = spike('spk_c', 40 * MIN, 45 * MIN);
      await store.upsertSpikes([a, b, c]);
      expect(await store.getSpike('spk_b')).toEqual(b);
      expect((await store.listSpikes({})).items.map((s) => s.id)).toEqual(['spk_c', 'spk_b', 'spk_a']);
      expect((await store.listSpikes({ status: 'firing' })).items.map((s) => s.id)).toEqual(['spk_b']);
      // [11, 30) min: a ended before, b (firing) overlaps, c starts after
      expect((await store.listSpikes({ since: at(11 * MIN), until: at(30 * MIN) })).items.map((s) => s.id)).toEqual(['spk_b']);
      const p1 = await store.listSpikes({ limit: 2 });
      expect(p1.items.map((s) => s.id)).toEqual(['spk_c', 'spk_b']);
      const p2 = await store.listSpikes({ limit: 2, cursor: p1.next_cursor! });
      expect(p2).toEqual({ items: [a], next_cursor: null });
      const resolved = { ...b, status: 'resolved' as const, end: at(25 * MIN) };
      await store.upsertSpikes([resolved]);
      expect(await store.getSpike('spk_b')).toEqual(resolved);
      expect(await store.getSpike('spk_x')).toBeUndefined();
    });

    it('keeps webhooks, claims each notification once, never firing after resolved', async () => {
      await store.createWebhook(hook('wh_1', 0));
      await store.createWebhook(hook('wh_2', 1000));
      expect((await store.listWebhooks()).map((w) => w.id)).toEqual(['wh_1', 'wh_2']);
      expect(await store.getWebhook('wh_2')).toEqual(hook('wh_2', 1000));
      expect(await store.claimNotification('spk_1', 'wh_1', 'resolved')).toBe(false); // nothing fired yet
      expect(await store.claimNotification('spk_1', 'wh_1', 'firing')).toBe(true);
      expect(await store.claimNotification('spk_1', 'wh_1', 'firing')).toBe(false);
      expect(await store.claimNotification('spk_1', 'wh_2', 'firing')).toBe(true); // per subscription
      expect(await store.claimNotification('spk_1', 'wh_1', 'resolved')).toBe(true);
      expect(await store.claimNotification('spk_1', 'wh_1', 'resolved')).toBe(false);
      expect(await store.claimNotification('spk_1', 'wh_1', 'firing')).toBe(false); // never a firing after resolved
      expect(await store.deleteWebhook('wh_1')).toBe(true);
      expect(await store.deleteWebhook('wh_1')).toBe(false);
      expect((await store.listWebhooks()).map((w) => w.id)).toEqual(['wh_2']);
    });

    it('keeps a delivery log per webhook, newest first', async () => {
      for (let n = 1; n <= 3; n++) await store.recordDelivery(delivery('wh_1', n));
      await store.recordDelivery(delivery('wh_2', 9));
      expect((await store.listDeliveries('wh_1')).map((d) => d.id)).toEqual(['d3', 'd2', 'd1']);
      expect((await store.listDeliveries('wh_1', 2)).map((d) => d.id)).toEqual(['d3', 'd2']);
      expect(await store.listDeliveries('wh_2')).toEqual([delivery('wh_2', 9)]);
    });
  });
}
