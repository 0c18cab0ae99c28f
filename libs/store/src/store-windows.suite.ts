/**
 * Part of the shared store suite (see store.suite.ts): atomic write batches, re-decision window
 * versions and compare-and-set verdict writes, and verdict counts.
 */
import type { Layer } from '@denytrace/schema';
import type { EventStore } from './event-store';
import { MIN, at, collect, counter, ids, suiteEvent, suiteVerdict, T0 } from './store.suite-fixtures';

/** Registers the batch and window tests; `current()` is the store of the running test. */
export function describeBatchesAndWindows(current: () => EventStore): void {
  describe('batches, windows and verdict counts', () => {
    let store: EventStore;
    beforeEach(() => {
      store = current();
    });
    const W = 15 * MIN;
    const state = { fingerprint: 'fp-b', path: '/var/log/waf.log', lines: 3, bytes: 300, format: 'aws-waf', updated_at: at(0) };
    const qrow = { source_file: 'waf.log', line: 2, reason: 'invalid_json', detail: 'Unexpected token', raw: '{"x":' };

    it('writeBatch writes events, counters, quarantined lines and file state together, under the retention', async () => {
      const passed = suiteEvent({ n: 3, status: 200 });
      passed.event.action = 'allow';
      passed.denytrace.decision = 'pass';
      const batch = { events: [suiteEvent({ n: 1 }), suiteEvent({ n: 2 }), passed], counters: [counter(0, { count: 3 })], quarantine: [qrow], fileState: state };
      expect(await store.writeBatch(batch)).toMatchObject({ inserted: 2, duplicates: 0 });
      expect(ids(await collect(store.eventsInRange(at(0), at(MIN))))).toEqual([batch.events[0].event.id, batch.events[1].event.id]);
      expect(await store.counterTotals(at(0), at(MIN), [])).toEqual([{ count: 3 }]);
      expect(await store.quarantineCounts()).toEqual([{ source_file: 'waf.log', reason: 'invalid_json', count: 1 }]);
      expect(await store.getFileState('fp-b')).toEqual(state);
      expect(await store.writeBatch({ events: batch.events.slice(0, 2), counters: [], quarantine: [] })).toMatchObject({ inserted: 0, duplicates: 2 });
    });

    it('writeBatch writes nothing when one row in the middle is invalid', async () => {
      const bad = { ...suiteEvent({ n: 2 }), '@timestamp': 'not a time' };
      const batch = { events: [suiteEvent({ n: 1 }), bad, suiteEvent({ n: 3 })], counters: [counter(0, { count: 5 })], quarantine: [qrow], fileState: state };
      await expect(store.writeBatch(batch)).rejects.toThrow();
      expect(await store.eventTimeBounds()).toBeUndefined();
      expect(await store.counterTotals(at(0), at(MIN), [])).toEqual([{ count: 0 }]);
      expect(await store.quarantineCounts()).toEqual([]);
      expect(await store.getFileState('fp-b')).toBeUndefined();
    });

    it('writeBatch touches windows in the same transaction, and a failed batch touches none', async () => {
      const r = await store.writeBatch({ events: [suiteEvent({ n: 1 })], counters: [], quarantine: [], windows: [T0, T0 + W] });
      expect(r.windows).toEqual([{ window: T0, version: 1, decided_version: -1 }, { window: T0 + W, version: 1, decided_version: -1 }]);
      const bad = suiteEvent({ n: 2 });
      bad['@timestamp'] = 'not a time';
      await expect(store.writeBatch({ events: [suiteEvent({ n: 3 }), bad], counters: [], quarantine: [], windows: [T0] })).rejects.toThrow();
      expect((await store.windowVersions([T0]))[0].version).toBe(1);
    });

    it('touchWindows bumps versions; windowVersions and staleWindows read them', async () => {
      expect(await store.windowVersions([T0])).toEqual([{ window: T0, version: 0, decided_version: -1 }]);
      expect(await store.touchWindows([T0 + W, T0, T0])).toEqual([
        { window: T0, version: 1, decided_version: -1 },
        { window: T0 + W, version: 1, decided_version: -1 },
      ]);
      expect(await store.touchWindows([T0 + W])).toEqual([{ window: T0 + W, version: 2, decided_version: -1 }]);
      expect(await store.windowVersions([T0 + W, T0 + 2 * W])).toEqual([
        { window: T0 + W, version: 2, decided_version: -1 },
        { window: T0 + 2 * W, version: 0, decided_version: -1 },
      ]);
      await store.touchWindows([T0 - W]);
      expect((await store.staleWindows(2)).map((w) => w.window)).toEqual([T0 - W, T0]);
      expect(await store.staleWindows(10)).toHaveLength(3);
    });

    it('replaceTracesIfCurrent writes a window at its version, refuses an older one, and leaves other windows alone', async () => {
      const outside = suiteVerdict({ traceId: 'next-window', firstSeenMs: W + 1000 });
      await store.replaceTraces(at(W), at(2 * W), [outside]);
      const [v1] = await store.touchWindows([T0]);
      const first = [suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000, layer: 'cdn', ruleId: null })];
      expect(await store.replaceTracesIfCurrent(T0, W, v1.version, first)).toBe(true);
      expect(await store.windowVersions([T0])).toEqual([{ window: T0, version: 1, decided_version: 1 }]);
      expect(await store.staleWindows(10)).toEqual([]);

      const [v2] = await store.touchWindows([T0]);
      expect(await store.staleWindows(10)).toEqual([{ window: T0, version: 2, decided_version: 1 }]);
      // A decision from version 1 finishing after the touch: refused, nothing written.
      expect(await store.replaceTracesIfCurrent(T0, W, v1.version, [suiteVerdict({ traceId: 'stale', firstSeenMs: 2000 })])).toBe(false);
      expect(await store.getTrace('stale')).toBeUndefined();
      expect(await store.getTrace('tr-1')).toEqual(first[0]);

      const second = [suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000, layer: 'app', ruleId: 'invoice.close' })];
      expect(await store.replaceTracesIfCurrent(T0, W, v2.version, second)).toBe(true);
      expect((await store.listTraces({})).items).toEqual([outside, second[0]]);
      expect(await store.windowVersions([T0])).toEqual([{ window: T0, version: 2, decided_version: 2 }]);
    });

    it('two concurrent replaceTracesIfCurrent at the same version both succeed with identical results', async () => {
      const [v] = await store.touchWindows([T0]);
      const verdicts = Array.from({ length: 50 }, (_, i) => suiteVerdict({ traceId: `c-${i}`, firstSeenMs: i * 1000 }));
      expect(await Promise.all([
        store.replaceTracesIfCurrent(T0, W, v.version, verdicts),
        store.replaceTracesIfCurrent(T0, W, v.version, [...verdicts].reverse()),
      ])).toEqual([true, true]);
      const got = (await store.listTraces({ limit: 1000 })).items;
      expect(got.map((x) => x.trace_id).sort()).toEqual(verdicts.map((x) => x.trace_id).sort());
      expect(await store.getTrace('xrid:c-7')).toEqual(verdicts[7]);
      expect(await store.windowVersions([T0])).toEqual([{ window: T0, version: 1, decided_version: 1 }]);
    });

    it('counts verdicts by layer, rule, country, network and route in time buckets', async () => {
      const v = (traceId: string, firstSeenMs: number, o: { layer?: Layer | null; rule?: string | null; status?: number; country?: string | null; network?: string | null; path?: string | null }) => {
        const base = suiteVerdict({ traceId, firstSeenMs, layer: o.layer, ruleId: o.rule, status: o.status });
        return { ...base, client: { ...base.client, country: o.country ?? null, network: o.network ?? null }, request: { ...base.request, method: 'GET', path: o.path ?? null } };
      };
      await store.replaceTraces(at(0), at(W), [
        v('a', 1 * MIN, { layer: 'waf', rule: 'GeoBlock', country: 'BR', network: '192.0.2.0/24', path: '/v1/orders/123' }),
        v('b', 2 * MIN, { layer: 'waf', rule: 'GeoBlock', country: 'BR', network: '192.0.2.0/24', path: '/v1/orders/456' }),
        v('c', 6 * MIN, { layer: 'app', rule: 'invoice.close', country: 'DE', path: '/v1/invoices' }),
        v('d', 7 * MIN, { layer: null, rule: null, status: 401, country: null, path: null }),
        v('e', 11 * MIN, { layer: 'waf', rule: 'RateLimit', status: 429, country: 'BR', network: '192.0.2.0/24', path: '/v1/orders/789' }),
      ]);
      const q = { since: at(0), until: at(W), intervalMs: 5 * MIN };
      expect(await store.verdictCounts({ ...q, groupBy: 'layer' })).toEqual([
        { bucket: at(0), key: 'waf', count: 2 },
        { bucket: at(5 * MIN), key: 'app', count: 1 },
        { bucket: at(5 * MIN), key: 'unknown', count: 1 },
        { bucket: at(10 * MIN), key: 'waf', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, groupBy: 'rule', status: 403 })).toEqual([
        { bucket: at(0), key: 'GeoBlock', count: 2 },
        { bucket: at(5 * MIN), key: 'invoice.close', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, intervalMs: W, groupBy: 'country' })).toEqual([
        { bucket: at(0), key: 'BR', count: 3 }, { bucket: at(0), key: 'DE', count: 1 }, { bucket: at(0), key: 'unknown', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, intervalMs: W, groupBy: 'network', status: 403 })).toEqual([
        { bucket: at(0), key: '192.0.2.0/24', count: 2 }, { bucket: at(0), key: 'unknown', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, intervalMs: W, groupBy: 'path' })).toEqual([
        { bucket: at(0), key: 'GET /v1/orders/{id}', count: 3 }, { bucket: at(0), key: 'GET /v1/invoices', count: 1 }, { bucket: at(0), key: 'unknown', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, since: at(W), until: at(2 * W), groupBy: 'layer' })).toEqual([]);
    });

    it('counts only the verdicts matching a filter on any key (unknown = absent, path = folded route)', async () => {
      const v = (traceId: string, firstSeenMs: number, o: { layer?: Layer | null; rule?: string | null; country?: string | null; path?: string | null }) => {
        const base = suiteVerdict({ traceId, firstSeenMs, layer: o.layer, ruleId: o.rule });
        return { ...base, client: { ...base.client, country: o.country ?? null, network: null }, request: { ...base.request, method: 'GET', path: o.path ?? null } };
      };
      await store.replaceTraces(at(0), at(W), [
        v('a', 1 * MIN, { layer: 'waf', rule: 'GeoBlock', country: 'BR', path: '/v1/orders/123' }),
        v('b', 2 * MIN, { layer: 'waf', rule: 'GeoBlock', country: 'BR', path: '/v1/invoices' }),
        v('c', 6 * MIN, { layer: 'app', rule: 'invoice.close', country: 'DE', path: '/v1/orders/456' }),
        v('d', 7 * MIN, { layer: 'waf', rule: 'RateLimit', country: null, path: '/v1/orders/789' }),
      ]);
      const q = { since: at(0), until: at(W), intervalMs: W };
      expect(await store.verdictCounts({ ...q, groupBy: 'layer', where: { path: 'GET /v1/orders/{id}' } })).toEqual([
        { bucket: at(0), key: 'waf', count: 2 }, { bucket: at(0), key: 'app', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, groupBy: 'path', where: { rule: 'GeoBlock' } })).toEqual([
        { bucket: at(0), key: 'GET /v1/invoices', count: 1 }, { bucket: at(0), key: 'GET /v1/orders/{id}', count: 1 },
      ]);
      expect(await store.verdictCounts({ ...q, groupBy: 'rule', where: { country: 'unknown' } })).toEqual([{ bucket: at(0), key: 'RateLimit', count: 1 }]);
      expect(await store.verdictCounts({ ...q, groupBy: 'country', where: { layer: 'waf', rule: 'GeoBlock' } })).toEqual([{ bucket: at(0), key: 'BR', count: 2 }]);
      expect(await store.verdictCounts({ ...q, groupBy: 'layer', where: { country: 'FR' } })).toEqual([]);
    });

    it('counts requests per counter minute (the denominators of a chart\'s deny ratio)', async () => {
      await store.addCounters([counter(0, { count: 3 }), counter(0, { count: 4, status: 200 }), counter(2, { count: 5, layer: 'cdn', dataset: 'aws.cloudfront' })]);
      const rows = await store.counterTotals(at(0), at(W), ['minute', 'dataset']);
      expect(rows.map((r) => ({ ...r, minute: Number(r.minute) })).sort((a, b) => a.minute - b.minute)).toEqual([
        { minute: T0, dataset: counter(0).dataset, count: 7 }, { minute: T0 + 2 * MIN, dataset: 'aws.cloudfront', count: 5 },
      ]);
    });
  });
}
