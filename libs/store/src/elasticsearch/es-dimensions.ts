import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { DIMENSION_BUCKET_MS, type DimensionCounterRow } from '../detection-store';
import { StoreError } from '../store-error';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import { monthSuffix, type EsNames } from './es-names';

/**
 * Dimension counters (the denominators of deny ratios by dimension, detection-store.ts) in monthly
 * indices `denytrace-<ns>-dimensions-YYYY.MM.01` (month of the bucket), one document per key
 * (bucket, dataset, dimension, value, method_class) whose `_id` is a hash of the key, like the
 * per-minute counters (es-counters.ts): adding is a scripted upsert (`count += n; ok += m`,
 * `retry_on_conflict`), so concurrent writers add up. A bucket is floored to its
 * {@link DIMENSION_BUCKET_MS} start before it is stored (callers already give bucket starts).
 * Sums are read with one `composite` aggregation paged by `after_key`
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-composite-aggregation.html).
 */
export class EsDimensions {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh }) {}

  /**
   * Adds the rows (rows of one key in the call are summed first).
   * @throws StoreError('backend') naming how many keys Elasticsearch refused (counters cannot be quarantined).
   */
  async add(rows: readonly DimensionCounterRow[]): Promise<void> {
    const merged = new Map<string, DimensionCounterRow>();
    for (const r of rows) {
      const bucket = r.bucket - (((r.bucket % DIMENSION_BUCKET_MS) + DIMENSION_BUCKET_MS) % DIMENSION_BUCKET_MS);
      const key = dimensionKey({ ...r, bucket });
      const had = merged.get(key);
      if (had) {
        had.count += r.count;
        had.ok += r.ok;
      } else merged.set(key, { bucket, dataset: r.dataset, dimension: r.dimension, value: r.value, method_class: r.method_class, count: r.count, ok: r.ok });
    }
    const out = await runBulk<DimensionCounterRow>(
      this.client, [...merged.values()],
      (d) => [
        { update: { _index: `${this.n.dimensionsPrefix}${monthSuffix(d.bucket)}`, _id: dimensionKey(d), retry_on_conflict: 5 } },
        { doc: undefined, script: { source: 'ctx._source.count += params.count; ctx._source.ok += params.ok', lang: 'painless', params: { count: d.count, ok: d.ok } }, upsert: d },
      ],
      { ...this.o.bulk, refresh: this.o.refresh, what: `dimension counter upsert into ${this.n.dimensionsPattern}` },
    );
    const bad = [...out.failed, ...out.conflicts.map((document) => ({ document, status: 409, error: 'version conflict after retries' }))];
    if (bad.length) throw new StoreError('backend', `${bad.length} dimension counter row(s) refused by Elasticsearch (first: ${bad[0].status} ${bad[0].error})`);
  }

  /** Summed rows with bucket in [sinceMs, untilMs), in the aggregation's key order. */
  async counts(sinceMs: number, untilMs: number): Promise<DimensionCounterRow[]> {
    const terms = (field: string): estypes.AggregationsCompositeAggregationSource => ({ terms: { field } });
    const sources: Array<Record<string, estypes.AggregationsCompositeAggregationSource>> = [
      // A date_histogram on the bucket width gives the bucket back as epoch ms (stored buckets are floored to it).
      { bucket: { date_histogram: { field: 'bucket', fixed_interval: `${DIMENSION_BUCKET_MS}ms` } } },
      { dataset: terms('dataset') }, { dimension: terms('dimension') }, { value: terms('value') }, { method_class: terms('method_class') },
    ];
    const out: DimensionCounterRow[] = [];
    let after: Record<string, string | number> | undefined;
    for (;;) {
      let res: estypes.SearchResponse;
      try {
        res = await this.client.search({
          index: this.n.dimensionsPattern, size: 0, track_total_hits: false,
          query: { range: { bucket: { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } },
          aggs: { rows: { composite: { size: 1000, sources, ...(after ? { after } : {}) }, aggs: { count: { sum: { field: 'count' } }, ok: { sum: { field: 'ok' } } } } },
        });
      } catch (err) {
        throw storeErrorOf(err, `dimension counts of ${this.n.dimensionsPattern}`);
      }
      type Bucket = { key: Record<string, string | number>; count: { value: number }; ok: { value: number } };
      // A pattern matching no index yet answers without aggregations.
      const rows = (res.aggregations as { rows?: { buckets: Bucket[]; after_key?: Record<string, string | number> } } | undefined)?.rows;
      if (!rows) return out;
      for (const b of rows.buckets) {
        out.push({
          bucket: Number(b.key.bucket), dataset: String(b.key.dataset), dimension: b.key.dimension as DimensionCounterRow['dimension'],
          value: String(b.key.value), method_class: b.key.method_class as DimensionCounterRow['method_class'], count: b.count.value, ok: b.ok.value,
        });
      }
      if (!rows.after_key || rows.buckets.length === 0) return out;
      after = rows.after_key;
    }
  }
}

/** The document id of a dimension counter key: sha1 (base64url) of its fields, so any value is a valid id. */
export function dimensionKey(r: Omit<DimensionCounterRow, 'count' | 'ok'>): string {
  return createHash('sha1').update([r.bucket, r.dataset, r.dimension, r.value, r.method_class].join('\u0000')).digest('base64url');
}

/** Rows with integer bucket, count and ok. @throws StoreError('invalid_argument') naming the first bad one. */
export function validDimensions(rows: readonly DimensionCounterRow[]): readonly DimensionCounterRow[] {
  for (const r of rows) {
    if (!Number.isSafeInteger(r.bucket) || !Number.isSafeInteger(r.count) || !Number.isSafeInteger(r.ok)) {
      throw new StoreError('invalid_argument', `dimension counter row needs integer bucket, count and ok (got ${r.bucket}, ${r.count}, ${r.ok})`);
    }
  }
  return rows;
}
