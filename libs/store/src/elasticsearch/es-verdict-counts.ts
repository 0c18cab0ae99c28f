import type { Client, estypes } from '@elastic/elasticsearch';
import { routeTemplate } from '@denytrace/schema';
import type { VerdictCountFilter, VerdictCountRow } from '../event-store';
import { StoreError } from '../store-error';
import { msToIso } from '../time-range';
import { storeErrorOf } from './es-errors';

/** Group keys of `verdictCounts` and the verdict field each reads (`path` reads method and path, folded in JS). */
const GROUP_FIELDS = { layer: 'emitting_layer', rule: 'decisive_rule.id', country: 'client.country', network: 'client.network' } as const;
export type VerdictGroup = keyof typeof GROUP_FIELDS | 'path';

/**
 * Verdicts with first_seen in [sinceMs, untilMs), optionally of one status, counted per epoch-aligned
 * bucket of `intervalMs` and group key with one `composite` aggregation (a `date_histogram` source
 * with `fixed_interval`, whose buckets are multiples of the interval since the epoch, and `terms`
 * sources with `missing_bucket`), paged by `after_key`. The same rows, order and `unknown` key as the
 * embedded store (sqlite/window-rows.ts `counts`). `where` adds a `term` filter per field (`unknown`:
 * the field is missing or empty); a `path` filter reads method and path too and is applied after
 * folding the route in JS.
 * @throws StoreError('invalid_argument') for a bad interval, status, group or filter field; ('backend') from Elasticsearch.
 */
export async function verdictCounts(
  client: Client, index: string, q: { sinceMs: number; untilMs: number; groupBy: VerdictGroup; intervalMs: number; status?: number; where?: VerdictCountFilter },
): Promise<VerdictCountRow[]> {
  const { sinceMs, untilMs, groupBy, intervalMs, status, where = {} } = q;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new StoreError('invalid_argument', `intervalMs must be a positive integer, got ${intervalMs}`);
  if (groupBy !== 'path' && !(groupBy in GROUP_FIELDS)) throw new StoreError('invalid_argument', `cannot count verdicts by ${JSON.stringify(groupBy)}`);
  if (status !== undefined && !Number.isSafeInteger(status)) throw new StoreError('invalid_argument', `status must be an integer, got ${status}`);
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { first_seen: { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } }];
  if (status !== undefined) filter.push({ term: { status } });
  for (const [name, value] of Object.entries(where)) {
    if (value === undefined || name === 'path') continue;
    if (!(name in GROUP_FIELDS)) throw new StoreError('invalid_argument', `cannot filter verdicts by ${JSON.stringify(name)}`);
    const field = GROUP_FIELDS[name as keyof typeof GROUP_FIELDS];
    filter.push(value === 'unknown'
      ? { bool: { should: [{ bool: { must_not: { exists: { field } } } }, { term: { [field]: '' } }, { term: { [field]: 'unknown' } }], minimum_should_match: 1 } }
      : { term: { [field]: value } });
  }
  const needPath = groupBy === 'path' || where.path !== undefined;
  const terms = (field: string): estypes.AggregationsCompositeAggregationSource => ({ terms: { field, missing_bucket: true } });
  const sources: Array<Record<string, estypes.AggregationsCompositeAggregationSource>> = [
    { bucket: { date_histogram: { field: 'first_seen', fixed_interval: `${intervalMs}ms` } } },
    ...(groupBy === 'path' ? [] : [{ key: terms(GROUP_FIELDS[groupBy]) }]),
    ...(needPath ? [{ method: terms('request.method') }, { path: terms('request.path') }] : []),
  ];
  const merged = new Map<string, VerdictCountRow & { ms: number }>();
  let after: Record<string, string | number | null> | undefined;
  for (;;) {
    let res: estypes.SearchResponse;
    try {
      res = await client.search({
        index, size: 0, track_total_hits: false, query: { bool: { filter } },
        aggs: { counts: { composite: { size: 1000, sources, ...(after ? { after: after as Record<string, string | number> } : {}) } } },
      });
    } catch (err) {
      throw storeErrorOf(err, `verdict counts in ${index}`);
    }
    const agg = (res.aggregations as { counts?: { buckets: Array<{ key: Record<string, string | number | null>; doc_count: number }>; after_key?: Record<string, string | number | null> } } | undefined)?.counts;
    if (!agg) break;
    for (const b of agg.buckets) {
      const ms = Number(b.key.bucket);
      const route = needPath ? (b.key.path ? `${b.key.method ?? ''} ${routeTemplate(String(b.key.path))}`.trim() : 'unknown') : undefined;
      if (where.path !== undefined && route !== where.path) continue;
      const raw = groupBy === 'path' ? route : b.key.key;
      const key = raw === null || raw === undefined || raw === '' ? 'unknown' : String(raw);
      const id = `${ms}\u0000${key}`;
      const row = merged.get(id);
      if (row) row.count += b.doc_count;
      else merged.set(id, { ms, bucket: msToIso(ms), key, count: b.doc_count });
    }
    if (!agg.after_key || agg.buckets.length === 0) break;
    after = agg.after_key;
  }
  return [...merged.values()]
    .sort((a, b) => a.ms - b.ms || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ bucket, key, count }) => ({ bucket, key, count }));
}
