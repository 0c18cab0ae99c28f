/**
 * Request-body tests of the Elasticsearch store over `@elastic/elasticsearch-mock`: the exact bulk
 * lines, queries and aggregations it sends, and the error paths (partial bulk failure → quarantine,
 * 429 retried, version conflict → `replaceTracesIfCurrent` false). The behaviour against a live
 * cluster is the shared contract in ../event-store.spec.ts.
 */
import { errors } from '@elastic/elasticsearch';
import { at, suiteEvent, suiteVerdict, T0 } from '../store.suite-fixtures';
import { ElasticsearchEventStore } from './elasticsearch-event.store';
import { bulkAnswer, mockClient, type EsCall } from './es-mock.testing';

const EVENTS = 'logs-denytrace.events-default';
const W = 15 * 60_000;
const open = (answer: (c: EsCall) => unknown) => {
  const m = mockClient(answer);
  return { ...m, store: ElasticsearchEventStore.open({ node: 'http://es:9200', client: m.client, setup: false, bulk: { waitMs: 1 } }) };
};
const conflict = () => new errors.ResponseError({ body: { error: { type: 'version_conflict_engine_exception', reason: 'seq_no mismatch' }, status: 409 }, statusCode: 409, headers: {}, warnings: null, meta: {} as never });
const hits = (sources: unknown[]) => ({ hits: { hits: sources.map((s, i) => ({ _id: String(i), _source: s, sort: [i] })) } });

describe('ElasticsearchEventStore requests (mock connection)', () => {
  it('bulkInsert: one terms lookup of the ids, then create actions keyed by event.id; 409 is a duplicate, a mapping error goes to the quarantine', async () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => suiteEvent({ n }));
    const { calls, store } = open((call) => {
      if (call.path === `/${EVENTS}/_search`) return hits([{ event: { id: a.event.id } }]); // a was stored before a rollover
      if (call.path === '/_bulk' && call.body[0].create._index === EVENTS) return bulkAnswer(call, [201, 409, 400]); // b new, c already in the write index, d refused
      if (call.path === '/_bulk') return bulkAnswer(call, [201]);
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    const s = await store;
    expect(await s.bulkInsert([a, b, c, d, b])).toEqual({ inserted: 1, duplicates: 3, skipped: 0 });
    expect(calls[1]).toMatchObject({ method: 'POST', path: `/${EVENTS}/_search`, body: { query: { terms: { 'event.id': [a.event.id, b.event.id, c.event.id, d.event.id] } }, sort: [{ 'event.id': 'asc' }], size: 4, track_total_hits: false } });
    expect(calls[2]).toEqual({
      method: 'POST', path: '/_bulk', querystring: { refresh: 'wait_for' },
      body: [{ create: { _index: EVENTS, _id: b.event.id } }, b, { create: { _index: EVENTS, _id: c.event.id } }, c, { create: { _index: EVENTS, _id: d.event.id } }, d],
    });
    // The refused event is kept, not dropped: reason store_rejected, with the raw record.
    const q = calls[3].body;
    expect(q[0]).toEqual({ create: { _index: 'denytrace-default-quarantine', _id: expect.any(String) } });
    expect(q[1]).toMatchObject({ source_file: EVENTS, line: 0, reason: 'store_rejected', raw: d.event.original, detail: 'Elasticsearch 400: document_parsing_exception: failed to parse field [source.port] of type [long]' });
    expect(calls).toHaveLength(4);
  });

  it('retries documents answered 429 and counts them once written', async () => {
    let bulks = 0;
    const { calls, store } = open((call) => {
      if (call.path.endsWith('/_search')) return hits([]);
      bulks++;
      return bulkAnswer(call, bulks === 1 ? [201, 429] : [201]);
    });
    const s = await store;
    const [a, b] = [1, 2].map((n) => suiteEvent({ n }));
    expect(await s.bulkInsert([a, b])).toEqual({ inserted: 2, duplicates: 0, skipped: 0 });
    expect(calls.filter((c) => c.path === '/_bulk').map((c) => c.body.length)).toEqual([4, 2]);
    expect(calls[calls.length - 1].body[0]).toEqual({ create: { _index: EVENTS, _id: b.event.id } });
  });

  it('writeBatch validates first: a bad @timestamp sends nothing at all', async () => {
    const { calls, store } = open(() => { throw new Error('no request expected'); });
    const s = await store;
    const bad = { ...suiteEvent({ n: 2 }), '@timestamp': 'not a time' };
    await expect(s.writeBatch({ events: [suiteEvent({ n: 1 }), bad], counters: [], quarantine: [], windows: [T0] })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(calls.map((c) => c.path)).toEqual(['/']);
  });

  it('writeBatch order: touch windows, events, quarantine, counters, touch again, file state last', async () => {
    let touches = 0;
    const { calls, store } = open((call) => {
      if (call.path.endsWith('/_update/' + T0)) return { _id: String(T0), result: 'updated', get: { _source: { window: T0, version: ++touches, decided_version: -1, stale: true } } };
      if (call.path.endsWith('/_search')) return hits([]);
      if (call.path === '/_bulk') return bulkAnswer(call, []);
      if (call.path.startsWith('/denytrace-default-files/_doc/')) return { result: 'created' };
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    const s = await store;
    const r = await s.writeBatch({
      events: [suiteEvent({ n: 1 })],
      counters: [{ minute: T0 + 30_500, dataset: 'aws.waf', layer: 'waf', status: 403, method_class: 'read', country: 'DE', count: 2 }],
      quarantine: [{ source_file: 'waf.log', line: 2, reason: 'invalid_json', detail: 'x', raw: '{' }],
      fileState: { fingerprint: 'fp', path: 'waf.log', lines: 3, bytes: 10, format: 'aws-waf', updated_at: at(0) },
      windows: [T0],
    });
    expect(r).toEqual({ inserted: 1, duplicates: 0, skipped: 0, windows: [{ window: T0, version: 2, decided_version: -1 }] });
    const steps = calls.slice(1).map((c) => (c.path === '/_bulk' ? `bulk ${Object.values(c.body[0] as Record<string, { _index: string }>)[0]._index}` : `${c.method} ${c.path}`));
    expect(steps).toEqual([
      `POST /denytrace-default-windows/_update/${T0}`,
      `POST /${EVENTS}/_search`,
      `bulk ${EVENTS}`,
      'bulk denytrace-default-quarantine',
      'bulk denytrace-default-counters-2024.03.01',
      `POST /denytrace-default-windows/_update/${T0}`,
      'PUT /denytrace-default-files/_doc/fp',
    ]);
    expect(calls[1].body).toEqual({
      script: { source: 'ctx._source.version += 1; ctx._source.stale = true', lang: 'painless' },
      upsert: { window: T0, version: 1, decided_version: -1, stale: true },
      _source: true,
    });
    expect(calls[1].querystring).toEqual({ retry_on_conflict: '10', refresh: 'wait_for' });
    // The counter: minute floored, a scripted upsert so concurrent writers add up.
    const counter = calls.find((c) => c.path === '/_bulk' && c.body[0].update)!.body;
    expect(counter).toEqual([
      { update: { _index: 'denytrace-default-counters-2024.03.01', _id: expect.any(String), retry_on_conflict: 5 } },
      { script: { source: 'ctx._source.count += params.count', lang: 'painless', params: { count: 2 } }, upsert: { minute: T0, dataset: 'aws.waf', layer: 'waf', status: 403, method_class: 'read', country: 'DE', count: 2 } },
    ]);
  });

  it('eventsInRange pages with search_after over one point in time, and closes it', async () => {
    const e = [1, 2, 3].map((n) => suiteEvent({ n }));
    let page = 0;
    const { calls, store } = open((call) => {
      if (call.path === `/${EVENTS}/_pit`) return { id: 'pit-1' };
      if (call.path === '/_pit' && call.method === 'DELETE') return { succeeded: true, num_freed: 1 };
      if (call.path === '/_search') {
        page++;
        return page === 1 ? { pit_id: 'pit-1', hits: { hits: [{ _source: e[0], sort: [T0 + 1000, 7] }, { _source: e[1], sort: [T0 + 2000, 8] }] } } : { pit_id: 'pit-1', hits: { hits: [{ _source: e[2], sort: [T0 + 3000, 9] }] } };
      }
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    const s = await ElasticsearchEventStore.open({ node: 'http://es:9200', client: (await store).client, setup: false, pageSize: 2 });
    const got = [];
    for await (const x of s.eventsInRange(at(0), at(60_000))) got.push(x);
    expect(got).toEqual(e);
    const searches = calls.filter((c) => c.path === '/_search').map((c) => c.body);
    const base = { pit: { id: 'pit-1', keep_alive: '1m' }, query: { range: { '@timestamp': { gte: T0, lt: T0 + 60_000, format: 'epoch_millis' } } }, sort: [{ '@timestamp': 'asc' }, { _shard_doc: 'asc' }], size: 2, track_total_hits: false };
    expect(searches).toEqual([base, { ...base, search_after: [T0 + 2000, 8] }]);
    expect(calls.find((c) => c.path === `/${EVENTS}/_pit`)!.querystring).toEqual({ keep_alive: '1m' });
    expect(calls[calls.length - 1]).toMatchObject({ method: 'DELETE', path: '/_pit', body: { id: 'pit-1' } });
  });

  it('listTraces: filters, newest first, search_after from the cursor', async () => {
    const v = [suiteVerdict({ traceId: 'b', firstSeenMs: 2000 }), suiteVerdict({ traceId: 'a', firstSeenMs: 1000 })];
    const { calls, store } = open(() => hits(v.map((x) => ({ ...x, '@timestamp': x.first_seen, denytrace: { decision_seq: 4 } }))));
    const s = await store;
    const cursor = Buffer.from(`${T0 + 5000}:zz`).toString('base64url');
    const page = await s.listTraces({ status: 403, layer: 'waf', since: at(0), limit: 1, cursor });
    expect(page.items).toEqual([v[0]]); // stored extras (@timestamp, denytrace) are removed
    expect(page.next_cursor).toBe(Buffer.from(`${T0 + 2000}:b`).toString('base64url'));
    expect(calls[1]).toMatchObject({
      path: '/denytrace-default-verdicts-*/_search',
      body: {
        query: { bool: { filter: [{ term: { status: 403 } }, { term: { emitting_layer: 'waf' } }, { range: { first_seen: { gte: T0, format: 'epoch_millis' } } }] } },
        sort: [{ first_seen: 'desc' }, { trace_id: 'desc' }], size: 2, search_after: [T0 + 5000, 'zz'], track_total_hits: false,
      },
    });
  });

  it('verdictCounts: one composite aggregation, date_histogram on epoch-aligned buckets and terms with missing_bucket', async () => {
    const { calls, store } = open(() => ({
      hits: { hits: [] },
      aggregations: { counts: { buckets: [
        { key: { bucket: T0, key: 'waf' }, doc_count: 2 },
        { key: { bucket: T0 + 5 * 60_000, key: null }, doc_count: 1 },
        { key: { bucket: T0 + 5 * 60_000, key: 'app' }, doc_count: 1 },
      ] } },
    }));
    const s = await store;
    expect(await s.verdictCounts({ since: at(0), until: at(W), groupBy: 'layer', intervalMs: 5 * 60_000, status: 403 })).toEqual([
      { bucket: at(0), key: 'waf', count: 2 }, { bucket: at(5 * 60_000), key: 'app', count: 1 }, { bucket: at(5 * 60_000), key: 'unknown', count: 1 },
    ]);
    expect(calls[1].body).toEqual({
      size: 0, track_total_hits: false,
      query: { bool: { filter: [{ range: { first_seen: { gte: T0, lt: T0 + W, format: 'epoch_millis' } } }, { term: { status: 403 } }] } },
      aggs: { counts: { composite: { size: 1000, sources: [
        { bucket: { date_histogram: { field: 'first_seen', fixed_interval: '300000ms' } } },
        { key: { terms: { field: 'emitting_layer', missing_bucket: true } } },
      ] } } },
    });
  });

  it('counterTotals: a composite aggregation over the grouped columns with a sum of count, paged by after_key', async () => {
    let n = 0;
    const { calls, store } = open(() => (++n === 1
      ? { hits: { hits: [] }, aggregations: { groups: { buckets: [{ key: { status: 200 }, doc_count: 1, count: { value: 4 } }, { key: { status: 403 }, doc_count: 2, count: { value: 12 } }], after_key: { status: 403 } } } }
      : { hits: { hits: [] }, aggregations: { groups: { buckets: [] } } }));
    const s = await store;
    expect(await s.counterTotals(at(0), at(600_000), ['status'])).toEqual([{ status: 200, count: 4 }, { status: 403, count: 12 }]);
    const composite = { size: 1000, sources: [{ status: { terms: { field: 'status' } } }] };
    const body = {
      track_total_hits: false, size: 0,
      query: { range: { minute: { gte: T0, lt: T0 + 600_000, format: 'epoch_millis' } } },
      aggs: { groups: { composite, aggs: { count: { sum: { field: 'count' } } } } },
    };
    expect(calls.slice(1).map((c) => [c.path, c.body])).toEqual([
      ['/denytrace-default-counters-*/_search', body],
      ['/denytrace-default-counters-*/_search', { ...body, aggs: { groups: { composite: { ...composite, after: { status: 403 } }, aggs: body.aggs.groups.aggs } } }],
    ]);
  });
});

describe('replaceTracesIfCurrent (mock connection): compare-and-set on the window document', () => {
  const windowDoc = (version: number, seq: number) => ({ _index: 'denytrace-default-windows', _id: String(T0), found: true, _seq_no: seq, _primary_term: 1, _source: { window: T0, version, decided_version: -1, stale: true } });

  it('claims the window with if_seq_no, writes the verdicts with the claim as external version, deletes older ones, marks it decided', async () => {
    const v = [suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000 })];
    const { calls, store } = open((call) => {
      if (call.method === 'GET') return windowDoc(3, 41);
      if (call.path === `/denytrace-default-windows/_update/${T0}` && call.body.doc) return { result: 'updated', _seq_no: 42, _primary_term: 1 };
      if (call.path === '/_bulk') return bulkAnswer(call, [201]);
      if (call.path.endsWith('/_delete_by_query')) return { deleted: 1 };
      if (call.path === `/denytrace-default-windows/_update/${T0}`) return { result: 'updated' };
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    const s = await store;
    expect(await s.replaceTracesIfCurrent(T0, W, 3, v)).toBe(true);
    const [, get, claim, bulk, del, mark] = calls;
    expect(get).toMatchObject({ method: 'GET', path: `/denytrace-default-windows/_doc/${T0}`, querystring: { realtime: 'true' } });
    expect(claim).toEqual({ method: 'POST', path: `/denytrace-default-windows/_update/${T0}`, querystring: { if_seq_no: '41', if_primary_term: '1' }, body: { doc: { claimed_version: 3 }, detect_noop: false } });
    expect(bulk.body).toEqual([
      { index: { _index: 'denytrace-default-verdicts-2024.03.01', _id: 'tr-1', version: 42, version_type: 'external_gte' } },
      { ...v[0], '@timestamp': v[0].first_seen, denytrace: { decision_seq: 42 } },
    ]);
    expect(del).toEqual({
      method: 'POST', path: '/denytrace-default-verdicts-*/_delete_by_query', querystring: { conflicts: 'proceed', refresh: 'true' },
      body: { query: { bool: {
        filter: [{ range: { first_seen: { gte: T0, lt: T0 + W, format: 'epoch_millis' } } }, { range: { 'denytrace.decision_seq': { lt: 42 } } }],
        must_not: [{ ids: { values: ['tr-1'] } }],
      } } },
    });
    expect(mark.body.script.params).toEqual({ v: 3 });
    expect(calls).toHaveLength(6);
  });

  it('returns false and writes nothing when the window version moved', async () => {
    const { calls, store } = open((call) => {
      if (call.method === 'GET') return windowDoc(4, 50);
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    expect(await (await store).replaceTracesIfCurrent(T0, W, 3, [suiteVerdict({ traceId: 'stale', firstSeenMs: 1 })])).toBe(false);
    expect(calls.map((c) => c.method)).toEqual(['GET', 'GET']);
  });

  it('a version conflict on the claim re-reads the window: moved on → false, nothing written', async () => {
    let reads = 0;
    const { calls, store } = open((call) => {
      if (call.method === 'GET') return windowDoc(++reads === 1 ? 3 : 4, 40 + reads);
      if (call.body?.doc) return conflict();
      throw new Error(`unexpected ${call.method} ${call.path}`);
    });
    expect(await (await store).replaceTracesIfCurrent(T0, W, 3, [suiteVerdict({ traceId: 'x', firstSeenMs: 1 })])).toBe(false);
    expect(calls.slice(1).map((c) => `${c.method} ${c.path.split('/')[2]}`)).toEqual(['GET _doc', 'POST _update', 'GET _doc']);
  });

  it('a version conflict on the claim by a worker deciding the same version: claims again and writes', async () => {
    let reads = 0;
    let claims = 0;
    const { calls, store } = open((call) => {
      if (call.method === 'GET') return windowDoc(3, 40 + ++reads);
      if (call.body?.doc) return ++claims === 1 ? conflict() : { result: 'updated', _seq_no: 45, _primary_term: 1 };
      if (call.path === '/_bulk') return bulkAnswer(call, [409]); // the other worker's identical verdict is already there
      if (call.path.endsWith('/_delete_by_query')) return { deleted: 0 };
      return { result: 'updated' };
    });
    expect(await (await store).replaceTracesIfCurrent(T0, W, 3, [suiteVerdict({ traceId: 'x', firstSeenMs: 1 })])).toBe(true);
    expect(calls.filter((c) => c.body?.doc).map((c) => c.querystring.if_seq_no)).toEqual(['41', '42']);
  });
});
