import type { Client, estypes } from '@elastic/elasticsearch';
import type { Verdict } from '@denytrace/schema';
import type { TraceFilter } from '../event-store';
import { StoreError } from '../store-error';
import { isoToMs } from '../time-range';
import { decodeTraceCursor, encodeTraceCursor, traceLimit } from '../trace-cursor';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import { monthSuffix, type EsNames } from './es-names';
import { searchPages } from './es-search';

/** A verdict as stored: the verdict, `@timestamp` (= first_seen) and which decision wrote it. */
export type VerdictDoc = Verdict & { '@timestamp': string; denytrace: { decision_seq: number } };

/**
 * Verdicts in monthly indices `denytrace-<ns>-verdicts-YYYY.MM.01` (month of first_seen), `_id` =
 * trace_id. Every write carries a *decision stamp* (see es-windows.ts: the `_seq_no` of a write to
 * the one-shard windows index, so later decisions have larger stamps) as an external version
 * (`version_type: external_gte`,
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html#index-versioning):
 * Elasticsearch refuses (409) a write older than the stored verdict's, so an older decision never
 * overwrites a newer one, and two writers of the same decision both succeed.
 */
export class EsTraces {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh; pageSize?: number }) {}

  /**
   * Re-decision of [sinceMs, untilMs) with decision `stamp`: writes these verdicts first, then deletes
   * the window's other verdicts written by older decisions. Readers therefore never see the window
   * emptier than both decisions; in between they may see both (a verdict whose first_seen moved).
   * A verdict refused with 409 was written by a newer decision and is left as it is.
   * @throws StoreError('backend') when Elasticsearch refuses a verdict for another reason (the job is retried).
   */
  async replace(sinceMs: number, untilMs: number, verdicts: readonly Verdict[], stamp: number): Promise<void> {
    const docs = verdicts.map((v) => docOf(v, stamp));
    const out = await runBulk<VerdictDoc>(
      this.client, docs,
      (d) => ({ index: { _index: `${this.n.tracesPrefix}${monthSuffix(Date.parse(d.first_seen))}`, _id: d.trace_id, version: stamp, version_type: 'external_gte' } }),
      { ...this.o.bulk, refresh: this.o.refresh, what: `verdict write into ${this.n.tracesPattern}` },
    );
    if (out.failed.length) throw new StoreError('backend', `${out.failed.length} verdict(s) refused by Elasticsearch (first: ${out.failed[0].status} ${out.failed[0].error})`);
    try {
      await this.client.deleteByQuery({
        index: this.n.tracesPattern,
        conflicts: 'proceed',
        refresh: this.o.refresh !== false,
        query: {
          bool: {
            filter: [
              { range: { first_seen: { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } },
              { range: { 'denytrace.decision_seq': { lt: stamp } } },
            ],
            must_not: docs.length ? [{ ids: { values: docs.map((d) => d.trace_id) } }] : [],
          },
        },
      });
    } catch (err) {
      throw storeErrorOf(err, `delete of replaced verdicts in ${this.n.tracesPattern}`);
    }
  }

  /** The verdict with this trace_id, else the latest-first_seen verdict holding this correlation id. */
  async get(id: string): Promise<Verdict | undefined> {
    const sort: estypes.Sort = [{ first_seen: 'desc' }, { trace_id: 'desc' }];
    const byTraceId = await this.search({ query: { ids: { values: [id] } }, sort, size: 1 }, 'lookup by trace_id');
    const hit = byTraceId.hits.hits[0] ?? (await this.search({ query: { term: { correlation_ids: id } }, sort, size: 1 }, 'lookup by correlation id')).hits.hits[0];
    return hit ? verdictOf(hit._source as VerdictDoc) : undefined;
  }

  /**
   * Verdicts with first_seen in [sinceMs, untilMs), optionally of one status, oldest first (ties by
   * trace_id), paged with `search_after` over one point in time (es-search.ts): verdicts rewritten
   * during the read are neither repeated nor skipped. `_shard_doc` breaks the tie of a trace_id
   * stored in two monthly indices (a verdict whose first_seen moved across a month boundary).
   */
  async *inRange(sinceMs: number, untilMs: number, status?: number): AsyncIterable<Verdict> {
    if (status !== undefined && !Number.isSafeInteger(status)) throw new StoreError('invalid_argument', `status must be an integer, got ${status}`);
    const filter: estypes.QueryDslQueryContainer[] = [{ range: { first_seen: { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } }];
    if (status !== undefined) filter.push({ term: { status } });
    for await (const page of searchPages<VerdictDoc>(this.client, {
      index: this.n.tracesPattern,
      query: { bool: { filter } },
      sort: [{ first_seen: 'asc' }, { trace_id: 'asc' }, { _shard_doc: 'asc' }],
      pageSize: this.o.pageSize ?? 1000,
      pit: true,
      what: `range read of ${this.n.tracesPattern}`,
    })) {
      for (const h of page) yield verdictOf(h._source as VerdictDoc);
    }
  }

  /** One page, newest first_seen first (ties by trace_id descending), keyset cursor on (first_seen, trace_id) via `search_after`. */
  async list(filter: TraceFilter): Promise<{ items: Verdict[]; next_cursor: string | null }> {
    const limit = traceLimit(filter.limit);
    const f: estypes.QueryDslQueryContainer[] = [];
    if (filter.status !== undefined) f.push({ term: { status: filter.status } });
    if (filter.layer !== undefined) f.push({ term: { emitting_layer: filter.layer } });
    if (filter.rule !== undefined) f.push({ term: { 'decisive_rule.id': filter.rule } });
    if (filter.since !== undefined || filter.until !== undefined) {
      f.push({ range: { first_seen: { gte: filter.since === undefined ? undefined : isoToMs(filter.since, 'since'), lt: filter.until === undefined ? undefined : isoToMs(filter.until, 'until'), format: 'epoch_millis' } } });
    }
    const c = filter.cursor === undefined ? undefined : decodeTraceCursor(filter.cursor);
    const res = await this.search({
      query: { bool: { filter: f } },
      sort: [{ first_seen: 'desc' }, { trace_id: 'desc' }],
      size: limit + 1,
      ...(c ? { search_after: [c.firstSeenMs, c.traceId] } : {}),
    }, 'verdict list');
    const hits = res.hits.hits;
    const page = hits.slice(0, limit).map((h) => verdictOf(h._source as VerdictDoc));
    const last = page[page.length - 1];
    return { items: page, next_cursor: hits.length > limit && last ? encodeTraceCursor({ firstSeenMs: Date.parse(last.first_seen), traceId: last.trace_id }) : null };
  }

  private async search(body: Omit<estypes.SearchRequest, 'index'>, what: string): Promise<estypes.SearchResponse<VerdictDoc>> {
    try {
      return await this.client.search<VerdictDoc>({ index: this.n.tracesPattern, track_total_hits: false, ...body });
    } catch (err) {
      throw storeErrorOf(err, `${what} in ${this.n.tracesPattern}`);
    }
  }
}

/** The stored document of a verdict. @throws StoreError('invalid_argument') when first_seen is not a time. */
export function docOf(v: Verdict, stamp: number): VerdictDoc {
  isoToMs(v.first_seen, `verdict ${v.trace_id} first_seen`);
  return { ...v, '@timestamp': v.first_seen, denytrace: { decision_seq: stamp } };
}

/** The verdict of a stored document (its own fields only). */
export function verdictOf(d: VerdictDoc): Verdict {
  const { '@timestamp': _ts, denytrace: _meta, ...v } = d;
  return v;
}
