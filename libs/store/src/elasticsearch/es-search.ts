import type { Client, estypes } from '@elastic/elasticsearch';
import { storeErrorOf } from './es-errors';

/** Hits of one search request, `_source` typed. */
export type Hit<T> = estypes.SearchHit<T>;

/**
 * Every hit of `query` in `index`, page by page with `search_after` on `sort` (which must end in a
 * unique tiebreaker). With `pit: true` the pages read one point in time
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html), so
 * writes during the read neither repeat nor skip a hit; `_shard_doc` is then a valid tiebreaker.
 * The point in time is closed when the iteration ends, also early.
 * @throws StoreError
 */
export async function* searchPages<T>(
  client: Client, o: { index: string; query: estypes.QueryDslQueryContainer; sort: estypes.Sort; pageSize: number; pit?: boolean; what: string },
): AsyncGenerator<Array<Hit<T>>> {
  let pitId: string | undefined;
  try {
    if (o.pit) pitId = (await client.openPointInTime({ index: o.index, keep_alive: '1m' })).id;
    let after: estypes.SortResults | undefined;
    for (;;) {
      const res = await client.search<T>({
        ...(pitId ? { pit: { id: pitId, keep_alive: '1m' } } : { index: o.index }),
        query: o.query,
        sort: o.sort,
        size: o.pageSize,
        track_total_hits: false,
        ...(after ? { search_after: after } : {}),
      });
      if (res.pit_id) pitId = res.pit_id;
      const hits = res.hits.hits;
      if (hits.length > 0) yield hits;
      if (hits.length < o.pageSize) return;
      after = hits[hits.length - 1].sort;
    }
  } catch (err) {
    throw storeErrorOf(err, o.what);
  } finally {
    if (pitId) await client.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}

/** The `_source` of every hit, in order. */
export async function searchAll<T>(client: Client, o: Parameters<typeof searchPages<T>>[1]): Promise<T[]> {
  const out: T[] = [];
  for await (const page of searchPages<T>(client, o)) for (const h of page) out.push(h._source as T);
  return out;
}
