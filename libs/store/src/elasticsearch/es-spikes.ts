import type { Client, estypes } from '@elastic/elasticsearch';
import type { Spike } from '@denytrace/schema';
import type { SpikeFilter } from '../detection-store';
import { StoreError } from '../store-error';
import { isoToMs } from '../time-range';
import { decodeTraceCursor, encodeTraceCursor, traceLimit } from '../trace-cursor';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { isStatus, storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';

/**
 * Spikes in `denytrace-<ns>-spikes`, `_id` = spike id, the document the spike itself (times
 * ISO-8601 UTC, mapped as dates: es-mappings.ts `SPIKE_MAPPINGS`). An upsert is a bulk `index`
 * (the last writer wins, as in the embedded store); reads by id are realtime GETs. Listing uses the
 * same keyset cursor as verdicts (trace-cursor.ts: start epoch ms and spike id) with `search_after`.
 */
export class EsSpikes {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh }) {}

  /**
   * Inserts or replaces spikes by id.
   * @throws StoreError('invalid_argument') for a bad start or end (before any write); `backend` when one is refused.
   */
  async upsert(spikes: readonly Spike[]): Promise<void> {
    for (const sp of spikes) {
      isoToMs(sp.start, `spike ${sp.id} start`);
      if (sp.end !== null) isoToMs(sp.end, `spike ${sp.id} end`);
    }
    const out = await runBulk<Spike>(this.client, spikes, (sp) => ({ index: { _index: this.n.spikes, _id: sp.id } }), {
      ...this.o.bulk, refresh: this.o.refresh, what: `spike write into ${this.n.spikes}`,
    });
    const bad = [...out.failed, ...out.conflicts.map((document) => ({ document, status: 409, error: 'version conflict' }))];
    if (bad.length) throw new StoreError('backend', `${bad.length} spike(s) refused by Elasticsearch (first: ${bad[0].status} ${bad[0].error})`);
  }

  async get(id: string): Promise<Spike | undefined> {
    try {
      const res = await this.client.get<Spike>({ index: this.n.spikes, id, realtime: true });
      return res.found ? res._source : undefined;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw storeErrorOf(err, `spike lookup in ${this.n.spikes}`);
    }
  }

  /**
   * Spikes overlapping [since, until): start < until and (end ≥ since, or no end: still firing);
   * of one status when given; newest start first (ties by id descending); one page of `limit`
   * (default 100, at most 1000) with the next page's cursor.
   * @throws StoreError('invalid_argument') for a bad time, status, limit or cursor.
   */
  async list(f: SpikeFilter): Promise<{ items: Spike[]; next_cursor: string | null }> {
    const limit = traceLimit(f.limit);
    if (f.status !== undefined && f.status !== 'firing' && f.status !== 'resolved') throw new StoreError('invalid_argument', `unknown spike status ${JSON.stringify(f.status)}`);
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (f.until !== undefined) filter.push({ range: { start: { lt: isoToMs(f.until, 'until'), format: 'epoch_millis' } } });
    if (f.since !== undefined) {
      const since = isoToMs(f.since, 'since');
      filter.push({ bool: { should: [{ range: { end: { gte: since, format: 'epoch_millis' } } }, { bool: { must_not: [{ exists: { field: 'end' } }] } }], minimum_should_match: 1 } });
    }
    if (f.status !== undefined) filter.push({ term: { status: f.status } });
    const c = f.cursor === undefined ? undefined : decodeTraceCursor(f.cursor);
    let hits: Array<estypes.SearchHit<Spike>>;
    try {
      const res = await this.client.search<Spike>({
        index: this.n.spikes, track_total_hits: false, query: { bool: { filter } },
        sort: [{ start: 'desc' }, { id: 'desc' }], size: limit + 1,
        ...(c ? { search_after: [c.firstSeenMs, c.traceId] } : {}),
      });
      hits = res.hits.hits;
    } catch (err) {
      throw storeErrorOf(err, `spike list in ${this.n.spikes}`);
    }
    const page = hits.slice(0, limit).map((h) => h._source as Spike);
    const last = page[page.length - 1];
    return { items: page, next_cursor: hits.length > limit && last ? encodeTraceCursor({ firstSeenMs: Date.parse(last.start), traceId: last.id }) : null };
  }
}
