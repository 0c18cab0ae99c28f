/**
 * Request-body tests of the Elasticsearch store's `DetectionStore` part over
 * `@elastic/elasticsearch-mock`: dimension counters, verdicts by range, deploys, spikes, webhooks,
 * notification claims and the delivery log — the exact requests, and the error paths (409 on a
 * claim, a version conflict on a deploy, 404 on a missing document). The behaviour against a live
 * cluster is the shared contract in ../store-detection.suite.ts.
 */
import { createHash } from 'node:crypto';
import { errors } from '@elastic/elasticsearch';
import type { DeliveryRecord, Deploy, Spike, WebhookSubscription } from '@denytrace/schema';
import { StoreError } from '../store-error';
import { at, collect, MIN, suiteVerdict, T0 } from '../store.suite-fixtures';
import { ElasticsearchEventStore } from './elasticsearch-event.store';
import { bulkAnswer, mockClient, type EsCall } from './es-mock.testing';

const open = (answer: (c: EsCall) => unknown, pageSize?: number) => {
  const m = mockClient(answer);
  return { ...m, store: ElasticsearchEventStore.open({ node: 'http://es:9200', client: m.client, setup: false, bulk: { waitMs: 1 }, pageSize }) };
};
const fail = (status: number, type: string) => new errors.ResponseError({ body: { error: { type, reason: type }, status }, statusCode: status, headers: {}, warnings: null, meta: {} as never });
const conflict = () => fail(409, 'version_conflict_engine_exception');
const missing = () => fail(404, 'document_missing_exception');
const unexpected = (c: EsCall) => new Error(`unexpected ${c.method} ${c.path}`);
const sha1 = (text: string) => createHash('sha1').update(text).digest('base64url');

function deploy(over: Partial<Deploy> = {}): Deploy {
  return { id: 'dep_1', service: 'billing-api', version: '2.15.0', environment: 'production', started_at: at(0), finished_at: null, description: null, link: null, source: 'api', ...over };
}

function spike(id: string, startMs: number): Spike {
  return {
    id, kind: 'region_block', dimension: 'source.geo.country_iso_code', value: 'BR', start: at(startMs), end: null, status: 'firing', detected_at: at(startMs + 30_000),
    baseline: { denied_per_min: 0.1, requests_per_min: 17, deny_ratio: 0.006 }, observed: { denied_per_min: 19, requests_per_min: 19, deny_ratio: 1 },
    magnitude: 166, p_value: 1e-20, denied: 40, sources: 12, top_emitter: { layer: 'waf', component: 'aws-waf', rule_id: 'geo-blocklist', share: 1 },
    sample_trace_ids: ['t1'], series: { dimension: 'source.geo.country_iso_code', value: 'BR', scope: '*', test: 'ratio', expected: 0.006 },
    last_elevated_at: at(startMs + 60_000), also_matched: [], summary: '403s from BR', updated_at: at(startMs + 60_000),
  };
}

describe('ElasticsearchEventStore detection requests (mock connection)', () => {
  it('addCounters: dimension rows of one key are summed, bucket floored to 30 s, then one scripted upsert per key into the month of the bucket', async () => {
    const { calls, store } = open((c) => (c.path === '/_bulk' ? bulkAnswer(c, []) : unexpected(c)));
    const s = await store;
    const row = { bucket: T0 + 30_000, dataset: 'aws.waf', dimension: 'source.geo.country_iso_code' as const, value: 'BR', method_class: 'read' as const, count: 2, ok: 1 };
    await s.addCounters([], [row, { ...row, bucket: T0 + 45_000, count: 3, ok: 3 }]);
    expect(calls.slice(1)).toEqual([{
      method: 'POST', path: '/_bulk', querystring: { refresh: 'wait_for' },
      body: [
        { update: { _index: 'denytrace-default-dimensions-2024.03.01', _id: sha1(`${T0 + 30_000}\u0000aws.waf\u0000source.geo.country_iso_code\u0000BR\u0000read`), retry_on_conflict: 5 } },
        { script: { source: 'ctx._source.count += params.count; ctx._source.ok += params.ok', lang: 'painless', params: { count: 5, ok: 4 } }, upsert: { ...row, count: 5, ok: 4 } },
      ],
    }]);
  });

  it('writeBatch: dimension counters go with the counters (step 4), and a bad row sends nothing', async () => {
    const { calls, store } = open((c) => (c.path === '/_bulk' ? bulkAnswer(c, []) : unexpected(c)));
    const s = await store;
    const row = { bucket: T0, dataset: 'aws.waf', dimension: 'url.path' as const, value: '/cart', method_class: 'write' as const, count: 1, ok: 0 };
    await expect(s.writeBatch({ events: [], counters: [], quarantine: [], dimension_counters: [{ ...row, ok: 0.5 }] })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(calls).toHaveLength(1);
    await s.writeBatch({ events: [], counters: [], quarantine: [], dimension_counters: [row] });
    expect(calls.slice(1).map((c) => c.body[0].update._index)).toEqual(['denytrace-default-dimensions-2024.03.01']);
  });

  it('dimensionCounts: one composite aggregation with sums of count and ok, paged by after_key', async () => {
    let n = 0;
    const b = (value: string, count: number, ok: number) => ({ key: { bucket: T0, dataset: 'aws.waf', dimension: 'source.geo.country_iso_code', value, method_class: 'read' }, doc_count: 1, count: { value: count }, ok: { value: ok } });
    const pages = [
      { hits: { hits: [] }, aggregations: { rows: { buckets: [b('BR', 7, 5)], after_key: b('BR', 0, 0).key } } },
      { hits: { hits: [] }, aggregations: { rows: { buckets: [b('DE', 1, 1)], after_key: b('DE', 0, 0).key } } },
      { hits: { hits: [] }, aggregations: { rows: { buckets: [] } } },
    ];
    const { calls, store } = open(() => pages[n++]);
    const s = await store;
    const rows = await s.dimensionCounts(T0, T0 + MIN);
    expect(rows).toEqual([
      { bucket: T0, dataset: 'aws.waf', dimension: 'source.geo.country_iso_code', value: 'BR', method_class: 'read', count: 7, ok: 5 },
      { bucket: T0, dataset: 'aws.waf', dimension: 'source.geo.country_iso_code', value: 'DE', method_class: 'read', count: 1, ok: 1 },
    ]);
    const composite = {
      size: 1000,
      sources: [
        { bucket: { date_histogram: { field: 'bucket', fixed_interval: '30000ms' } } },
        { dataset: { terms: { field: 'dataset' } } }, { dimension: { terms: { field: 'dimension' } } }, { value: { terms: { field: 'value' } } }, { method_class: { terms: { field: 'method_class' } } },
      ],
    };
    const body = (after?: unknown) => ({
      size: 0, track_total_hits: false, query: { range: { bucket: { gte: T0, lt: T0 + MIN, format: 'epoch_millis' } } },
      aggs: { rows: { composite: after ? { ...composite, after } : composite, aggs: { count: { sum: { field: 'count' } }, ok: { sum: { field: 'ok' } } } } },
    });
    expect(calls.slice(1).map((c) => [c.path, c.body])).toEqual([
      ['/denytrace-default-dimensions-*/_search', body()],
      ['/denytrace-default-dimensions-*/_search', body(b('BR', 0, 0).key)],
      ['/denytrace-default-dimensions-*/_search', body(b('DE', 0, 0).key)],
    ]);
    await expect(s.dimensionCounts(T0 + 0.5, T0)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('tracesInRange: oldest first over one point in time, status filter, search_after, stored extras removed', async () => {
    const v = [1000, 2000, 3000].map((ms, i) => suiteVerdict({ traceId: `t${i}`, firstSeenMs: ms }));
    const doc = (x: typeof v[number]) => ({ ...x, '@timestamp': x.first_seen, denytrace: { decision_seq: 3 } });
    let page = 0;
    const { calls, store } = open((c) => {
      if (c.path === '/denytrace-default-verdicts-*/_pit') return { id: 'pit-v' };
      if (c.path === '/_pit') return { succeeded: true, num_freed: 1 };
      if (c.path === '/_search') {
        return ++page === 1
          ? { pit_id: 'pit-v', hits: { hits: [{ _source: doc(v[0]), sort: [T0 + 1000, 't0', 4] }, { _source: doc(v[1]), sort: [T0 + 2000, 't1', 5] }] } }
          : { pit_id: 'pit-v', hits: { hits: [{ _source: doc(v[2]), sort: [T0 + 3000, 't2', 6] }] } };
      }
      return unexpected(c);
    }, 2);
    const s = await store;
    expect(await collect(s.tracesInRange(at(0), at(MIN), { status: 403 }))).toEqual(v);
    const base = {
      pit: { id: 'pit-v', keep_alive: '1m' },
      query: { bool: { filter: [{ range: { first_seen: { gte: T0, lt: T0 + MIN, format: 'epoch_millis' } } }, { term: { status: 403 } }] } },
      sort: [{ first_seen: 'asc' }, { trace_id: 'asc' }, { _shard_doc: 'asc' }], size: 2, track_total_hits: false,
    };
    expect(calls.filter((c) => c.path === '/_search').map((c) => c.body)).toEqual([base, { ...base, search_after: [T0 + 2000, 't1', 5] }]);
    expect(calls[calls.length - 1]).toMatchObject({ method: 'DELETE', path: '/_pit', body: { id: 'pit-v' } });
  });

  it('recordDeploys: realtime mget, create for a new id, index conditioned on _seq_no for a changed one, nothing for an unchanged one', async () => {
    const known = deploy({ id: 'dep_known' });
    const same = deploy({ id: 'dep_same', finished_at: at(MIN) });
    const fresh = deploy({ id: 'dep_new', service: 'orders-api' });
    const { calls, store } = open((c) => {
      if (c.path === '/denytrace-default-deploys/_mget') {
        return { docs: [
          { _index: 'denytrace-default-deploys', _id: 'dep_known', found: true, _seq_no: 7, _primary_term: 2, _source: known },
          { _index: 'denytrace-default-deploys', _id: 'dep_same', found: true, _seq_no: 8, _primary_term: 2, _source: same },
          { _index: 'denytrace-default-deploys', _id: 'dep_new', found: false },
        ] };
      }
      if (c.path === '/_bulk') return bulkAnswer(c, [200, 201]);
      return unexpected(c);
    });
    const s = await store;
    const finished = { ...known, finished_at: at(4 * MIN), link: 'https://ci.example.com/run/9' };
    // dep_same sent again without finished_at keeps the stored one: unchanged.
    expect(await s.recordDeploys([{ ...finished, description: null }, { ...same, finished_at: null }, fresh])).toEqual({ inserted: 1, updated: 1 });
    expect(calls[1]).toEqual({ method: 'POST', path: '/denytrace-default-deploys/_mget', querystring: { realtime: 'true' }, body: { ids: ['dep_known', 'dep_same', 'dep_new'] } });
    expect(calls[2]).toEqual({
      method: 'POST', path: '/_bulk', querystring: { refresh: 'wait_for' },
      body: [
        { index: { _index: 'denytrace-default-deploys', _id: 'dep_known', if_seq_no: 7, if_primary_term: 2 } }, finished,
        { create: { _index: 'denytrace-default-deploys', _id: 'dep_new' } }, fresh,
      ],
    });
    expect(calls).toHaveLength(3);
  });

  it('recordDeploys: a version conflict (another writer) reads the deploy again and merges into what it wrote', async () => {
    const d = deploy();
    const theirs = { ...d, description: 'hotfix' };
    let reads = 0;
    let bulks = 0;
    const { calls, store } = open((c) => {
      if (c.path.endsWith('/_mget')) return { docs: [++reads === 1 ? { _id: d.id, found: false } : { _id: d.id, found: true, _seq_no: 3, _primary_term: 1, _source: theirs }] };
      if (c.path === '/_bulk') return bulkAnswer(c, [++bulks === 1 ? 409 : 200]);
      return unexpected(c);
    });
    const s = await store;
    const mine = { ...d, finished_at: at(2 * MIN) };
    expect(await s.recordDeploys([mine])).toEqual({ inserted: 0, updated: 1 });
    expect(calls.filter((c) => c.path === '/_bulk').map((c) => c.body)).toEqual([
      [{ create: { _index: 'denytrace-default-deploys', _id: d.id } }, mine],
      [{ index: { _index: 'denytrace-default-deploys', _id: d.id, if_seq_no: 3, if_primary_term: 1 } }, { ...theirs, finished_at: at(2 * MIN) }],
    ]);
  });

  it('listDeploys: started_at range and service as filters, oldest first, limit as size', async () => {
    const { calls, store } = open(() => ({ hits: { hits: [{ _id: 'dep_1', _source: deploy() }] } }));
    const s = await store;
    expect(await s.listDeploys({ since: at(0), until: at(10 * MIN), service: 'billing-api', limit: 5 })).toEqual([deploy()]);
    expect(calls[1]).toEqual({
      method: 'POST', path: '/denytrace-default-deploys/_search', querystring: {},
      body: {
        track_total_hits: false, size: 5, sort: [{ started_at: 'asc' }, { id: 'asc' }],
        query: { bool: { filter: [{ range: { started_at: { gte: T0, lt: T0 + 10 * MIN, format: 'epoch_millis' } } }, { term: { service: 'billing-api' } }] } },
      },
    });
  });

  it('upsertSpikes, getSpike (404 is undefined) and listSpikes with the overlap filter and the keyset cursor', async () => {
    const [a, b] = [spike('spk_a', 20 * MIN), spike('spk_b', 10 * MIN)];
    const { calls, store } = open((c) => {
      if (c.path === '/_bulk') return bulkAnswer(c, [201]);
      if (c.path === '/denytrace-default-spikes/_doc/spk_x') return fail(404, 'not_found');
      if (c.path === '/denytrace-default-spikes/_search') return { hits: { hits: [a, b].map((sp) => ({ _id: sp.id, _source: sp })) } };
      return unexpected(c);
    });
    const s = await store;
    await s.upsertSpikes([a]);
    expect(calls[1]).toEqual({ method: 'POST', path: '/_bulk', querystring: { refresh: 'wait_for' }, body: [{ index: { _index: 'denytrace-default-spikes', _id: 'spk_a' } }, a] });
    expect(await s.getSpike('spk_x')).toBeUndefined();
    expect(calls[2]).toMatchObject({ method: 'GET', querystring: { realtime: 'true' } });
    const cursor = Buffer.from(`${T0 + 30 * MIN}:spk_z`).toString('base64url');
    const page = await s.listSpikes({ since: at(11 * MIN), until: at(30 * MIN), status: 'firing', limit: 1, cursor });
    expect(page).toEqual({ items: [a], next_cursor: Buffer.from(`${T0 + 20 * MIN}:spk_a`).toString('base64url') });
    expect(calls[3].body).toEqual({
      track_total_hits: false, size: 2, sort: [{ start: 'desc' }, { id: 'desc' }], search_after: [T0 + 30 * MIN, 'spk_z'],
      query: { bool: { filter: [
        { range: { start: { lt: T0 + 30 * MIN, format: 'epoch_millis' } } },
        { bool: { should: [{ range: { end: { gte: T0 + 11 * MIN, format: 'epoch_millis' } } }, { bool: { must_not: [{ exists: { field: 'end' } }] } }], minimum_should_match: 1 } },
        { term: { status: 'firing' } },
      ] } },
    });
    await expect(s.listSpikes({ status: 'open' as never })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(s.upsertSpikes([{ ...a, start: 'soon' }])).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(calls).toHaveLength(4);
  });

  it('webhooks: create by id (409 is invalid_argument), list oldest first, delete claims then the subscription (404 is false)', async () => {
    const w: WebhookSubscription = { id: 'wh_1', url: 'https://hooks.example.com/a', secret: 's', format: 'slack', created_at: at(0) };
    let creates = 0;
    let deletes = 0;
    const { calls, store } = open((c) => {
      if (c.path === '/denytrace-default-webhooks/_create/wh_1') return ++creates === 1 ? { result: 'created' } : conflict();
      if (c.path === '/denytrace-default-webhooks/_search') return { hits: { hits: [{ _id: 'wh_1', _source: w, sort: [T0, 'wh_1'] }] } };
      if (c.path === '/denytrace-default-notifications/_delete_by_query') return { deleted: 2 };
      if (c.path === '/denytrace-default-webhooks/_doc/wh_1') return ++deletes === 1 ? { result: 'deleted' } : fail(404, 'not_found');
      return unexpected(c);
    });
    const s = await store;
    await s.createWebhook(w);
    expect(calls[1]).toEqual({ method: 'PUT', path: '/denytrace-default-webhooks/_create/wh_1', querystring: { refresh: 'wait_for' }, body: w });
    await expect(s.createWebhook(w)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await s.listWebhooks()).toEqual([w]);
    expect(calls[3].body).toEqual({ query: { match_all: {} }, sort: [{ created_at: 'asc' }, { id: 'asc' }], size: 1000, track_total_hits: false });
    expect(await s.deleteWebhook('wh_1')).toBe(true);
    expect(calls.slice(4).map((c) => [c.method, c.path, c.querystring, c.body])).toEqual([
      ['POST', '/denytrace-default-notifications/_delete_by_query', { conflicts: 'proceed', refresh: 'true' }, { query: { term: { webhook_id: 'wh_1' } } }],
      ['DELETE', '/denytrace-default-webhooks/_doc/wh_1', { refresh: 'wait_for' }, null],
    ]);
    expect(await s.deleteWebhook('wh_1')).toBe(false);
  });

  describe('claimNotification', () => {
    const id = sha1('spk_1\u0000wh_1');

    it('firing is a create: created → true, 409 (already claimed) → false', async () => {
      let n = 0;
      const { calls, store } = open((c) => (c.path === `/denytrace-default-notifications/_create/${id}` ? (++n === 1 ? { result: 'created' } : conflict()) : unexpected(c)));
      const s = await store;
      expect(await s.claimNotification('spk_1', 'wh_1', 'firing')).toBe(true);
      expect(await s.claimNotification('spk_1', 'wh_1', 'firing')).toBe(false);
      expect(calls[1]).toEqual({ method: 'PUT', path: `/denytrace-default-notifications/_create/${id}`, querystring: { refresh: 'wait_for' }, body: { spike_id: 'spk_1', webhook_id: 'wh_1', state: 'firing_sent' } });
    });

    it('resolved is a scripted update: updated → true; noop, missing claim (404) or a conflict left after retries (409) → false; a 500 throws', async () => {
      const answers = [{ result: 'updated' }, { result: 'noop' }, missing(), conflict(), fail(500, 'internal_server_error')];
      const { calls, store } = open((c) => (c.path === `/denytrace-default-notifications/_update/${id}` ? answers.shift() : unexpected(c)));
      const s = await store;
      const claims = [];
      for (let i = 0; i < 4; i++) claims.push(await s.claimNotification('spk_1', 'wh_1', 'resolved'));
      expect(claims).toEqual([true, false, false, false]);
      const err = await s.claimNotification('spk_1', 'wh_1', 'resolved').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('unavailable');
      expect(calls[1]).toEqual({
        method: 'POST', path: `/denytrace-default-notifications/_update/${id}`, querystring: { retry_on_conflict: '3', refresh: 'wait_for' },
        body: { script: { source: "if (ctx._source.state == 'firing_sent') { ctx._source.state = 'resolved_sent' } else { ctx.op = 'noop' }", lang: 'painless' } },
      });
    });
  });

  it('delivery log: appended into the month of the attempt, read newest first for one webhook', async () => {
    const d: DeliveryRecord = {
      id: 'd1', webhook_id: 'wh_1', spike_id: 'spk_1', event: 'firing', dedup_key: 'k', attempt: 1, status_code: 502, ok: false, retryable: true,
      duration_ms: 30, error: null, response_excerpt: 'bad gateway', at: at(5 * MIN),
    };
    const { calls, store } = open((c) => {
      if (c.path === '/denytrace-default-deliveries-2024.03.01/_doc') return { result: 'created', _id: 'auto' };
      if (c.path === '/denytrace-default-deliveries-*/_search') return { hits: { hits: [{ _id: 'auto', _source: d }] } };
      return unexpected(c);
    });
    const s = await store;
    await s.recordDelivery(d);
    expect(calls[1]).toEqual({ method: 'POST', path: '/denytrace-default-deliveries-2024.03.01/_doc', querystring: { refresh: 'wait_for' }, body: d });
    expect(await s.listDeliveries('wh_1', 5000)).toEqual([d]);
    expect(calls[2].body).toEqual({ track_total_hits: false, query: { term: { webhook_id: 'wh_1' } }, sort: [{ at: 'desc' }, { id: 'desc' }], size: 1000 });
  });
});
