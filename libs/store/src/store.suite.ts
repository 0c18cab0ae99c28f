/**
 * The behavioural suite every `EventStore` must pass (DESIGN.md "Storage": SQLite and
 * Elasticsearch run the same tests). Call `describeEventStore(name, makeStore)` from a spec;
 * `makeStore` must return a new, empty store each time. Nothing here knows the backend: events and
 * verdicts are small hand-built objects, expected values are counted from those inputs.
 * Not exported from the lib's index; specs import it by relative path.
 */
import { CORRELATION_KINDS, type Verdict } from '@denytrace/schema';
import type { EventStore } from './event-store';
import { describeDetectionStore } from './store-detection.suite';
import { describeBatchesAndWindows } from './store-windows.suite';
import { MIN, at, collect, counter, ids, sorted, suiteEvent, suiteVerdict, T0 } from './store.suite-fixtures';

export { at, suiteEvent, suiteVerdict, T0 } from './store.suite-fixtures';

/** Registers the shared store tests under `describe(name)`. */
export function describeEventStore(name: string, makeStore: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => { store = await makeStore(); });
    afterEach(async () => { await store.close(); });

    describe('events', () => {
      it('stores a batch once: the same batch again inserts nothing', async () => {
        const batch = [suiteEvent({ n: 1 }), suiteEvent({ n: 2 }), suiteEvent({ n: 3 })];
        expect(await store.bulkInsert(batch)).toMatchObject({ inserted: 3, duplicates: 0 });
        expect(await store.bulkInsert(batch)).toMatchObject({ inserted: 0, duplicates: 3 });
        expect(await store.bulkInsert([suiteEvent({ n: 4 }), suiteEvent({ n: 4 })])).toMatchObject({ inserted: 1, duplicates: 1 });
        expect(await collect(store.eventsInRange(at(0), at(MIN)))).toHaveLength(4);
      });

      it('finds an event by each correlation id kind, and kinds never collide', async () => {
        const events = CORRELATION_KINDS.map((kind, i) => suiteEvent({ n: 10 + i, ids: [`${kind}:shared-value`] }));
        await store.bulkInsert(events);
        for (const [i, kind] of CORRELATION_KINDS.entries()) {
          expect(await store.eventsByCorrelationIds([`${kind}:shared-value`])).toEqual([events[i]]);
        }
        expect(await store.eventsByCorrelationIds(['xrid:absent', 'shared-value'])).toEqual([]);
        expect(await store.eventsByCorrelationIds([])).toEqual([]);
      });

      it('returns an event once when several of its ids match, and events of several ids in time order', async () => {
        const a = suiteEvent({ n: 30, offsetMs: 5000, ids: ['amzcf:cf-1', 'xray:1-65f06f00-aaaaaaaaaaaaaaaaaaaaaaaa'] });
        const b = suiteEvent({ n: 31, offsetMs: 1000, ids: ['xray:1-65f06f00-aaaaaaaaaaaaaaaaaaaaaaaa', 'xrid:app-1'] });
        const c = suiteEvent({ n: 32, offsetMs: 3000, ids: ['xrid:other'] });
        await store.bulkInsert([a, b, c]);
        expect(await store.eventsByCorrelationIds(['amzcf:cf-1', 'xray:1-65f06f00-aaaaaaaaaaaaaaaaaaaaaaaa', 'xrid:app-1'])).toEqual([b, a]);
      });

      it('streams [since, until) in time order across many pages', async () => {
        // 2500 events, 4 per second, inserted in a scrambled order.
        const events = Array.from({ length: 2500 }, (_, n) => suiteEvent({ n, offsetMs: Math.floor(n / 4) * 1000 }));
        const scrambled = events.map((e, i) => ({ e, k: (i * 7919) % events.length })).sort((x, y) => x.k - y.k).map((x) => x.e);
        await store.bulkInsert(scrambled);
        const got = await collect(store.eventsInRange(at(100_000), at(500_000)));
        // Seconds 100..499 inclusive: events n = 400..1999.
        expect(new Set(ids(got))).toEqual(new Set(ids(events.slice(400, 2000))));
        expect(got).toHaveLength(1600);
        const times = got.map((e) => Date.parse(e['@timestamp']));
        expect(times.every((t, i) => i === 0 || times[i - 1] <= t)).toBe(true);
        expect(times[0]).toBe(T0 + 100_000);
        expect(times[times.length - 1]).toBe(T0 + 499_000);
        expect(await collect(store.eventsInRange(at(700_000), at(800_000)))).toEqual([]);
      });

      it('gives the first and last stored event time, undefined when empty', async () => {
        expect(await store.eventTimeBounds()).toBeUndefined();
        await store.bulkInsert([suiteEvent({ n: 1, offsetMs: 9_500 }), suiteEvent({ n: 2, offsetMs: 1_250 }), suiteEvent({ n: 3, offsetMs: 4_000 })]);
        expect(await store.eventTimeBounds()).toEqual({ first: '2024-03-12T14:00:01.250Z', last: '2024-03-12T14:00:09.500Z' });
      });
    });

    describe('counters', () => {
      it('adds counts on the same key and keeps other keys apart', async () => {
        await store.addCounters([counter(0, { count: 3 }), counter(0, { count: 4, status: 200 }), counter(1, { count: 5, layer: 'cdn', dataset: 'aws.cloudfront' })]);
        await store.addCounters([counter(0, { count: 4 })]);
        expect(sorted(await store.counterTotals(at(0), at(10 * MIN), ['status']))).toEqual([{ status: 200, count: 4 }, { status: 403, count: 12 }]);
        expect(sorted(await store.counterTotals(at(0), at(10 * MIN), ['dataset', 'layer']))).toEqual([
          { dataset: 'aws.cloudfront', layer: 'cdn', count: 5 },
          { dataset: 'aws.waf', layer: 'waf', count: 11 },
        ]);
      });

      it('does not double when nothing is resent: reading and re-inserting events leave counters alone', async () => {
        await store.addCounters([counter(2, { count: 10, method_class: 'write', country: 'FR' })]);
        await store.bulkInsert([suiteEvent({ n: 1 })]);
        await store.bulkInsert([suiteEvent({ n: 1 })]);
        const first = await store.counterTotals(at(0), at(10 * MIN), ['method_class', 'country']);
        const second = await store.counterTotals(at(0), at(10 * MIN), ['method_class', 'country']);
        expect(first).toEqual([{ method_class: 'write', country: 'FR', count: 10 }]);
        expect(second).toEqual(first);
      });

      it('sums minutes in [since, until) only', async () => {
        await store.addCounters([counter(0, { count: 1 }), counter(1, { count: 2 }), counter(2, { count: 4 })]);
        expect(await store.counterTotals(at(1 * MIN), at(2 * MIN), ['layer'])).toEqual([{ layer: 'waf', count: 2 }]);
        expect(await store.counterTotals(at(0), at(3 * MIN), [])).toEqual([{ count: 7 }]);
      });

      it('reports coverage per dataset from the counters', async () => {
        await store.addCounters([
          counter(0, { count: 2 }), counter(5, { count: 3, status: 200 }),
          counter(2, { dataset: 'aws.cloudfront', layer: 'cdn', count: 7 }),
          counter(30, { dataset: 'nginx.access', layer: 'gateway', count: 1 }),
        ]);
        const got = await store.coverage(at(0), at(10 * MIN));
        expect([...got].sort((a, b) => a.dataset.localeCompare(b.dataset))).toEqual([
          { dataset: 'aws.cloudfront', layer: 'cdn', first_minute: T0 + 2 * MIN, last_minute: T0 + 2 * MIN, records: 7 },
          { dataset: 'aws.waf', layer: 'waf', first_minute: T0, last_minute: T0 + 5 * MIN, records: 5 },
        ]);
        expect(await store.coverage(at(60 * MIN), at(70 * MIN))).toEqual([]);
      });
    });

    describe('traces', () => {
      it('finds a verdict by its trace_id and by any of its correlation ids', async () => {
        const v = suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000, ids: ['amzcf:cf-1', 'xray:1-65f06f00-bbbbbbbbbbbbbbbbbbbbbbbb'] });
        await store.replaceTraces(at(0), at(MIN), [v]);
        expect(await store.getTrace('tr-1')).toEqual(v);
        expect(await store.getTrace('amzcf:cf-1')).toEqual(v);
        expect(await store.getTrace('xray:1-65f06f00-bbbbbbbbbbbbbbbbbbbbbbbb')).toEqual(v);
        expect(await store.getTrace('xrid:cf-1')).toBeUndefined();
      });

      it('a re-decision of a window replaces its verdicts instead of adding to them', async () => {
        const outside = suiteVerdict({ traceId: 'tr-out', firstSeenMs: 2 * MIN });
        await store.replaceTraces(at(2 * MIN), at(3 * MIN), [outside]);
        await store.replaceTraces(at(0), at(MIN), [
          suiteVerdict({ traceId: 'tr-a', firstSeenMs: 1000, ids: ['xrid:a'] }),
          suiteVerdict({ traceId: 'tr-b', firstSeenMs: 2000, ids: ['xrid:b'] }),
        ]);
        // A late CDN line joined tr-b: its earliest hop (and so its trace_id) changed; tr-a was re-decided.
        const a2 = suiteVerdict({ traceId: 'tr-a', firstSeenMs: 1000, ids: ['xrid:a'], status: 429, ruleId: 'RateLimit' });
        const b2 = suiteVerdict({ traceId: 'tr-b-cdn', firstSeenMs: 1500, ids: ['xrid:b', 'amzcf:cf-b'], layer: 'cdn', ruleId: null });
        await store.replaceTraces(at(0), at(MIN), [a2, b2]);
        const all = await store.listTraces({});
        expect(all.items.map((v) => v.trace_id).sort()).toEqual(['tr-a', 'tr-b-cdn', 'tr-out']);
        expect(await store.getTrace('tr-a')).toEqual(a2);
        expect(await store.getTrace('tr-b')).toBeUndefined();
        expect(await store.getTrace('xrid:b')).toEqual(b2);
        expect(await store.getTrace('tr-out')).toEqual(outside);
        await store.replaceTraces(at(0), at(MIN), []);
        expect((await store.listTraces({})).items.map((v) => v.trace_id)).toEqual(['tr-out']);
        expect(await store.getTrace('xrid:a')).toBeUndefined();
      });

      it('filters by status, emitting layer, decisive rule and first_seen', async () => {
        await store.replaceTraces(at(0), at(10 * MIN), [
          suiteVerdict({ traceId: 'w1', firstSeenMs: 1 * MIN, layer: 'waf', ruleId: 'GeoBlock', status: 403 }),
          suiteVerdict({ traceId: 'w2', firstSeenMs: 2 * MIN, layer: 'waf', ruleId: 'RateLimit', status: 429 }),
          suiteVerdict({ traceId: 'a1', firstSeenMs: 3 * MIN, layer: 'app', ruleId: 'invoice.close', status: 403 }),
          suiteVerdict({ traceId: 'n1', firstSeenMs: 4 * MIN, layer: null, ruleId: null, status: 200 }),
        ]);
        const traceIds = async (f: Parameters<EventStore['listTraces']>[0]) => (await store.listTraces(f)).items.map((v) => v.trace_id);
        expect(await traceIds({ status: 403 })).toEqual(['a1', 'w1']);
        expect(await traceIds({ layer: 'waf' })).toEqual(['w2', 'w1']);
        expect(await traceIds({ rule: 'RateLimit' })).toEqual(['w2']);
        expect(await traceIds({ since: at(2 * MIN), until: at(4 * MIN) })).toEqual(['a1', 'w2']);
        expect(await traceIds({ layer: 'waf', status: 403, since: at(MIN) })).toEqual(['w1']);
        expect(await traceIds({ layer: 'cdn' })).toEqual([]);
      });

      it('pages newest first with a cursor: three pages, no item twice, none missing', async () => {
        // 25 verdicts, several sharing a first_seen so the cursor must break ties.
        const verdicts = Array.from({ length: 25 }, (_, i) => suiteVerdict({ traceId: `tr-${String(i).padStart(2, '0')}`, firstSeenMs: Math.floor(i / 3) * 1000 }));
        await store.replaceTraces(at(0), at(MIN), verdicts);
        const pages: Verdict[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listTraces({ limit: 10, cursor });
          pages.push(page.items);
          cursor = page.next_cursor ?? undefined;
        } while (cursor !== undefined && pages.length < 10);
        expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
        const seen = pages.flat().map((v) => v.trace_id);
        expect(new Set(seen).size).toBe(25);
        expect(new Set(seen)).toEqual(new Set(verdicts.map((v) => v.trace_id)));
        const times = pages.flat().map((v) => Date.parse(v.first_seen));
        expect(times.every((t, i) => i === 0 || times[i - 1] >= t)).toBe(true);
        expect(times[0]).toBe(T0 + 8000);
      });

      it('pages 100 by default and at most 1000', async () => {
        const verdicts = Array.from({ length: 1005 }, (_, i) => suiteVerdict({ traceId: `bulk-${i}`, firstSeenMs: i * 10 }));
        await store.replaceTraces(at(0), at(MIN), verdicts);
        const byDefault = await store.listTraces({});
        expect(byDefault.items).toHaveLength(100);
        expect(byDefault.next_cursor).not.toBeNull();
        const capped = await store.listTraces({ limit: 5000 });
        expect(capped.items).toHaveLength(1000);
        const rest = await store.listTraces({ limit: 5000, cursor: capped.next_cursor ?? undefined });
        expect(rest.items.map((v) => v.trace_id)).toEqual(['bulk-4', 'bulk-3', 'bulk-2', 'bulk-1', 'bulk-0']);
        expect(rest.next_cursor).toBeNull();
      });
    });

    describeBatchesAndWindows(() => store);
    describeDetectionStore(() => store);

    describe('files, quarantine, close', () => {
      it('round-trips file state by fingerprint and updates it', async () => {
        expect(await store.getFileState('fp-1')).toBeUndefined();
        const state = { fingerprint: 'fp-1', path: '/var/log/nginx/access.log', lines: 120, bytes: 18_432, format: 'nginx', updated_at: '2024-03-12T14:05:00.000Z' };
        await store.setFileState(state);
        expect(await store.getFileState('fp-1')).toEqual(state);
        const later = { ...state, lines: 240, bytes: 36_001, format: null, updated_at: '2024-03-12T14:10:00.000Z' };
        await store.setFileState(later);
        expect(await store.getFileState('fp-1')).toEqual(later);
        expect(await store.getFileState('fp-2')).toBeUndefined();
      });

      it('accepts quarantined lines, including one far over the raw bound', async () => {
        await expect(store.quarantine([
          { source_file: 'waf.log', line: 3, reason: 'invalid_json', detail: 'Unexpected token', raw: '{"timestamp": 17' },
          { source_file: 'waf.log', line: 4, reason: 'line_too_long', detail: '1 MiB', raw: 'x'.repeat(1 << 20) },
        ])).resolves.toBeUndefined();
      });

      it('reads the quarantine back by file and reason, paged, oldest first, each rejection once', async () => {
        const rows = Array.from({ length: 7 }, (_, i) => ({ source_file: i < 5 ? 'a.log' : 'b.log', line: i + 1, reason: i % 2 ? 'invalid_json' : 'no_match', detail: `d${i}`, raw: `r${i}` }));
        await store.quarantine(rows);
        await store.quarantine(rows.slice(0, 2));
        expect(await store.quarantineCounts()).toEqual([
          { source_file: 'a.log', reason: 'invalid_json', count: 2 },
          { source_file: 'a.log', reason: 'no_match', count: 3 },
          { source_file: 'b.log', reason: 'invalid_json', count: 1 },
          { source_file: 'b.log', reason: 'no_match', count: 1 },
        ]);
        const p1 = await store.listQuarantine({ source_file: 'a.log', limit: 2 });
        expect(p1.items.map((r) => r.line)).toEqual([1, 2]);
        const p2 = await store.listQuarantine({ source_file: 'a.log', limit: 2, cursor: p1.next_cursor! });
        const p3 = await store.listQuarantine({ source_file: 'a.log', limit: 2, cursor: p2.next_cursor! });
        expect([...p2.items, ...p3.items].map((r) => r.line)).toEqual([3, 4, 5]);
        expect(p3.next_cursor).toBeNull();
        const json = await store.listQuarantine({ reason: 'invalid_json' });
        expect(json.items.map((r) => [r.source_file, r.line, r.raw])).toEqual([['a.log', 2, 'r1'], ['a.log', 4, 'r3'], ['b.log', 6, 'r5']]);
        expect(json.items[0].rejected_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      });

      it('rejects calls after close, and closing twice is harmless', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.eventTimeBounds()).rejects.toThrow();
        await expect(store.bulkInsert([suiteEvent({ n: 1 })])).rejects.toThrow();
      });
    });
  });
}
