import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { CounterColumn, CounterRow, DatasetCoverage } from '../event-store';
import { StoreError } from '../store-error';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import { monthSuffix, type EsNames } from './es-names';

const MINUTE_MS = 60_000;
/** Columns `counterTotals` may group by. */
export const COUNTER_GROUP_COLUMNS: ReadonlySet<string> = new Set(['minute', 'dataset', 'layer', 'status', 'method_class', 'country']);

/** One counter document: the row's key, the minute as epoch ms, and the running count. */
export type CounterDoc = CounterRow;

/**
 * Per-minute counters in monthly indices `denytrace-<ns>-counters-YYYY.MM.01`, one document per
 * key (minute, dataset, layer, status, method class, country) whose `_id` is a hash of the key.
 * Adding is a scripted upsert (`count += n`, `retry_on_conflict`), so concurrent writers add up.
 * Sums are `composite` aggregations paged by `after_key`.
 */
export class EsCounters {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh }) {}

  /**
   * Adds the rows (rows of one key in the batch are summed first, the minute floored to its UTC minute).
   * @throws StoreError('backend') naming how many keys Elasticsearch refused (counters cannot be quarantined).
   */
  async add(rows: readonly CounterRow[]): Promise<void> {
    const merged = new Map<string, CounterDoc>();
    for (const r of rows) {
      const minute = r.minute - (((r.minute % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
      const key = counterKey({ ...r, minute });
      const had = merged.get(key);
      if (had) had.count += r.count;
      else merged.set(key, { minute, dataset: r.dataset, layer: r.layer, status: r.status, method_class: r.method_class, country: r.country, count: r.count });
    }
    const out = await runBulk<CounterDoc>(
      this.client, [...merged.values()],
      (d) => [
        { update: { _index: `${this.n.countersPrefix}${monthSuffix(d.minute)}`, _id: counterKey(d), retry_on_conflict: 5 } },
        { doc: undefined, script: { source: 'ctx._source.count += params.count', lang: 'painless', params: { count: d.count } }, upsert: d },
      ],
      { ...this.o.bulk, refresh: this.o.refresh, what: `counter upsert into ${this.n.countersPattern}` },
    );
    const bad = [...out.failed, ...out.conflicts.map((document) => ({ document, status: 409, error: 'version conflict after retries' }))];
    if (bad.length) throw new StoreError('backend', `${bad.length} counter row(s) refused by Elasticsearch (first: ${bad[0].status} ${bad[0].error})`);
  }

  /** Summed `count` per value of `cols` over minutes in [sinceMs, untilMs), ordered by those values. */
  async totals(sinceMs: number, untilMs: number, cols: readonly CounterColumn[]): Promise<Array<Record<string, string | number>>> {
    for (const c of cols) if (!COUNTER_GROUP_COLUMNS.has(c)) throw new StoreError('invalid_argument', `cannot group counters by ${JSON.stringify(c)}`);
    const query = minuteRange(sinceMs, untilMs);
    if (cols.length === 0) {
      const res = await this.search({ size: 0, query, aggs: { count: { sum: { field: 'count' } } } }, 'counter total');
      // A pattern matching no index yet answers without aggregations.
      return [{ count: (res.aggregations as { count?: { value: number } } | undefined)?.count?.value ?? 0 }];
    }
    return this.composite(query, cols.map((c) => ({ [c]: { terms: { field: c } } })), { count: { sum: { field: 'count' } } }, (key, b) => ({
      ...key, count: (b.count as { value: number }).value,
    }));
  }

  /** Per dataset and layer: first and last minute with a counted record, and the records, over [sinceMs, untilMs). */
  async coverage(sinceMs: number, untilMs: number): Promise<DatasetCoverage[]> {
    return this.composite(
      minuteRange(sinceMs, untilMs),
      [{ dataset: { terms: { field: 'dataset' } } }, { layer: { terms: { field: 'layer' } } }],
      { first_minute: { min: { field: 'minute' } }, last_minute: { max: { field: 'minute' } }, records: { sum: { field: 'count' } } },
      (key, b) => ({
        dataset: String(key.dataset), layer: key.layer as DatasetCoverage['layer'],
        first_minute: (b.first_minute as { value: number }).value, last_minute: (b.last_minute as { value: number }).value, records: (b.records as { value: number }).value,
      }),
    );
  }

  /** Every bucket of a composite aggregation, paged by `after_key`. */
  private async composite<R>(
    query: estypes.QueryDslQueryContainer, sources: Array<Record<string, estypes.AggregationsCompositeAggregationSource>>,
    aggs: Record<string, estypes.AggregationsAggregationContainer>, row: (key: Record<string, string | number>, bucket: Record<string, unknown>) => R,
  ): Promise<R[]> {
    const out: R[] = [];
    let after: Record<string, string | number> | undefined;
    for (;;) {
      const res = await this.search({ size: 0, query, aggs: { groups: { composite: { size: 1000, sources, ...(after ? { after } : {}) }, aggs } } }, 'counter aggregation');
      const groups = (res.aggregations as { groups?: { buckets: Array<{ key: Record<string, string | number> } & Record<string, unknown>>; after_key?: Record<string, string | number> } } | undefined)?.groups;
      if (!groups) return out;
      for (const b of groups.buckets) out.push(row(b.key, b));
      if (!groups.after_key || groups.buckets.length === 0) return out;
      after = groups.after_key;
    }
  }

  private async search(body: Omit<estypes.SearchRequest, 'index'>, what: string): Promise<estypes.SearchResponse> {
    try {
      return await this.client.search({ index: this.n.countersPattern, track_total_hits: false, ...body });
    } catch (err) {
      throw storeErrorOf(err, `${what} of ${this.n.countersPattern}`);
    }
  }
}

function minuteRange(sinceMs: number, untilMs: number): estypes.QueryDslQueryContainer {
  return { range: { minute: { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } };
}

/** The document id of a counter key: sha1 (base64url) of its fields, so any text in them is a valid id. */
export function counterKey(r: Omit<CounterRow, 'count'>): string {
  return createHash('sha1').update([r.minute, r.dataset, r.layer, r.status, r.method_class, r.country].join('\u0000')).digest('base64url');
}
