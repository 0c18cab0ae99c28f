/**
 * The behavioural suite every `EventStore` must pass (DESIGN.md "Storage": SQLite and
 * Elasticsearch run the same tests). Call `describeEventStore(name, makeStore)` from a spec;
 * `makeStore` must return a new, empty store each time. Nothing here knows the backend: events and
 * verdicts are small hand-built objects, expected values are counted from those inputs.
 * Not exported from the lib's index; specs import it by relative path.
 */
import { CORRELATION_KINDS, eventId, type DenyEvent, type Layer, type Verdict } from '@denytrace/schema';
import type { CounterRow, EventStore } from './event-store';

/** 2024-03-12T14:00:00.000Z, the start of every test's timeline, epoch ms. */
export const T0 = Date.UTC(2024, 2, 12, 14, 0, 0);
const MIN = 60_000;
/** ISO-8601 UTC with ms of `T0 + offsetMs`. */
export const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/** What a suite event may vary; everything else is a fixed WAF-style block. */
export interface EventSpec {
  n: number;
  offsetMs?: number;
  ids?: string[];
  status?: number;
  dataset?: string;
  layer?: Layer;
  ruleId?: string;
}

/** A `DenyEvent` with a refusal mark (403 / block by default), its `event.id` from `eventId` over a made-up raw line. */
export function suiteEvent(s: EventSpec): DenyEvent {
  const dataset = s.dataset ?? 'aws.waf';
  const raw = `suite line ${s.n} ${dataset}`;
  return {
    '@timestamp': at(s.offsetMs ?? s.n * 1000),
    event: { dataset, id: eventId(dataset, raw), action: 'block', outcome: 'failure', original: raw },
    observer: { type: 'waf', vendor: 'AWS', product: 'WAF', name: 'suite-acl' },
    http: { request: { id: `req-${s.n}`, method: 'POST' }, response: { status_code: s.status ?? 403 } },
    url: { domain: 'shop.example.com', path: `/cart/${s.n}` },
    source: { ip: '203.0.113.50', geo: { country_iso_code: 'DE' } },
    rule: { id: s.ruleId ?? 'AWS-AWSManagedRulesCommonRuleSet', name: 'CrossSiteScripting_BODY' },
    denytrace: {
      layer: s.layer ?? 'waf', component: 'aws-waf', hop: 10, decision: 'deny',
      correlation_ids: s.ids ?? [`xrid:suite-${s.n}`],
    },
  };
}

/** What a suite verdict may vary. */
export interface VerdictSpec {
  traceId: string;
  firstSeenMs: number;
  ids?: string[];
  status?: number | null;
  layer?: Layer | null;
  ruleId?: string | null;
}

/** A complete `Verdict` built from the spec. */
export function suiteVerdict(s: VerdictSpec): Verdict {
  const layer = s.layer === undefined ? 'waf' : s.layer;
  const ruleId = s.ruleId === undefined ? 'GeoBlock' : s.ruleId;
  return {
    trace_id: s.traceId,
    correlation_ids: s.ids ?? [`xrid:${s.traceId}`],
    status: s.status === undefined ? 403 : s.status,
    emitting_layer: layer,
    emitter: layer ? { dataset: 'aws.waf', component: 'aws-waf', observer: { type: 'waf', vendor: 'AWS', product: 'WAF' } } : null,
    decisive_rule: ruleId ? { id: ruleId, name: null, ruleset: null } : null,
    confidence: 0.9,
    confidence_label: 'high',
    missing_layers: [],
    join: 'single',
    explanation: [`${s.traceId}: refused`],
    flags: [],
    request: { method: 'GET', domain: 'shop.example.com', path: '/', query: null },
    client: { ip: '203.0.113.50', country: 'DE', region: null, network: null, organization: null },
    user: { id: null, roles: [], tenant: null },
    service: { name: null, version: null },
    first_seen: at(s.firstSeenMs),
    last_seen: at(s.firstSeenMs + 500),
    provisional: false,
    events: [],
  };
}

function counter(minuteIndex: number, over: Partial<CounterRow> = {}): CounterRow {
  return { minute: T0 + minuteIndex * MIN, dataset: 'aws.waf', layer: 'waf', status: 403, method_class: 'read', country: 'DE', count: 1, ...over };
}

async function collect(it: AsyncIterable<DenyEvent>): Promise<DenyEvent[]> {
  const out: DenyEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const ids = (events: DenyEvent[]): string[] => events.map((e) => e.event.id);
/** Counter totals in a stable order: the interface does not fix one. */
const sorted = (rows: Array<Record<string, string | number>>) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

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

    describe('batches, windows and verdict counts', () => {
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
    });

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
