import { Injectable } from '@nestjs/common';
import { ApiError } from '@denytrace/http';
import { InjectStore, type EventStore, type VerdictCountFilter } from '@denytrace/store';
import { utcMs } from '../common/api-time';
import { bucketCount, bucketStarts, formatInterval, MAX_BUCKETS, parseInterval, pickInterval } from './interval';
import type { SummaryGroupBy, SummaryQuery } from './summary.query';

const DAY_MS = 86_400_000;

/** Verdict counts over time, shaped for a stacked chart (see {@link SummaryService.summary}). */
export interface Summary {
  /** The range, ISO-8601 UTC; `since` inclusive, `until` exclusive. */
  since: string;
  until: string;
  groupBy: SummaryGroupBy;
  /** HTTP status counted. */
  status: number;
  /** Bucket width as text (`5m`) and in milliseconds. */
  interval: string;
  interval_ms: number;
  /** Every verdict counted in the range. */
  total: number;
  /**
   * Requests counted in the range: the sum of the buckets' `requests`. With a `country` filter, that
   * country's requests; the other filters do not narrow it (the counters do not carry rules,
   * networks or routes), so a deny ratio is only meaningful without them.
   */
  requests: number;
  /** The filters applied (`layer`, `rule`, `country`, `network`, `path`), empty when none. */
  filter: VerdictCountFilter;
  /** Every key seen, most verdicts first (ties by key): the legend's order. */
  keys: string[];
  /** Verdicts per key over the whole range. */
  totals: Record<string, number>;
  /**
   * Every bucket of the range, empty ones included, oldest first. `bucket` is its start (ISO-8601
   * UTC, aligned to multiples of the interval since the epoch, so the first may start before
   * `since`); `counts` holds only keys with at least one verdict; `requests` the requests seen in the
   * bucket by the layer (dataset) that saw the most of them — the widest view, the denominator of
   * the bucket's deny ratio (403s / requests).
   */
  buckets: Array<{ bucket: string; counts: Record<string, number>; requests: number }>;
}

/** `GET /v1/summary`: `store.verdictCounts` in dense, aligned time buckets. */
@Injectable()
export class SummaryService {
  constructor(@InjectStore() private readonly store: EventStore) {}

  /**
   * Counts the verdicts whose first_seen lies in [since, until) with the given status, by `groupBy`,
   * in buckets of `interval`, only those matching the query's filters, with the requests counted in
   * each bucket (see {@link Summary.buckets}). Defaults: until now, since 24 h before until, group by layer, status
   * 403, the interval from {@link pickInterval}.
   * @throws ApiError 400 `validation_failed` when since ≥ until or the interval gives more than 500 buckets.
   */
  async summary(q: SummaryQuery, now = Date.now()): Promise<Summary> {
    const untilMs = q.until !== undefined ? utcMs(q.until) : now;
    const sinceMs = q.since !== undefined ? utcMs(q.since) : untilMs - DAY_MS;
    if (sinceMs >= untilMs) throw new ApiError(400, 'validation_failed', 'invalid since, until', [{ field: 'until', problems: ['until must be later than since'] }]);
    const intervalMs = q.interval !== undefined ? parseInterval(q.interval)! : pickInterval(sinceMs, untilMs);
    const n = bucketCount(sinceMs, untilMs, intervalMs);
    if (n > MAX_BUCKETS) {
      throw new ApiError(400, 'validation_failed', 'invalid interval', [{ field: 'interval', problems: [`interval ${q.interval} gives ${n} buckets over this range; at most ${MAX_BUCKETS}`] }]);
    }
    const groupBy = q.groupBy ?? 'layer';
    const status = q.status ?? 403;
    const since = new Date(sinceMs).toISOString();
    const until = new Date(untilMs).toISOString();
    const filter: VerdictCountFilter = {};
    for (const k of ['layer', 'rule', 'country', 'network', 'path'] as const) if (q[k] !== undefined) filter[k] = q[k];
    const rows = await this.store.verdictCounts({ since, until, groupBy, intervalMs, status, where: filter });

    const starts = bucketStarts(sinceMs, untilMs, intervalMs);
    const first = starts[0];
    const buckets = starts.map((b) => ({ bucket: new Date(b).toISOString(), counts: {} as Record<string, number>, requests: 0 }));
    const perDataset = await this.requestsByBucket(since, until, first, intervalMs, buckets.length, filter.country);
    for (const byDataset of perDataset) for (const [i, n] of byDataset) if (n > buckets[i].requests) buckets[i].requests = n;
    const totals: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      // The store buckets by the same interval; placing by time keeps us right whatever its alignment.
      const i = Math.floor((Date.parse(row.bucket) - first) / intervalMs);
      const slot = buckets[Math.min(Math.max(i, 0), buckets.length - 1)];
      slot.counts[row.key] = (slot.counts[row.key] ?? 0) + row.count;
      totals[row.key] = (totals[row.key] ?? 0) + row.count;
      total += row.count;
    }
    const keys = Object.keys(totals).sort((a, b) => totals[b] - totals[a] || (a < b ? -1 : a > b ? 1 : 0));
    const requests = buckets.reduce((sum, b) => sum + b.requests, 0);
    return { since, until, groupBy, status, interval: formatInterval(intervalMs), interval_ms: intervalMs, total, requests, filter, keys, totals, buckets };
  }

  /**
   * Requests per bucket index and dataset from the per-minute counters over [since, until), one map
   * per dataset (bucket index → requests); only `country`'s rows when given.
   */
  private async requestsByBucket(since: string, until: string, firstMs: number, intervalMs: number, n: number, country?: string): Promise<Array<Map<number, number>>> {
    const rows = await this.store.counterTotals(since, until, country === undefined ? ['minute', 'dataset'] : ['minute', 'dataset', 'country']);
    const byDataset = new Map<string, Map<number, number>>();
    for (const r of rows) {
      if (country !== undefined && (r.country || 'unknown') !== country) continue;
      const i = Math.min(Math.max(Math.floor((Number(r.minute) - firstMs) / intervalMs), 0), n - 1);
      const m = byDataset.get(String(r.dataset)) ?? new Map<number, number>();
      byDataset.set(String(r.dataset), m);
      m.set(i, (m.get(i) ?? 0) + Number(r.count));
    }
    return [...byDataset.values()];
  }
}
