import type { DimensionCounterRow } from '@denytrace/store';
import type { Denial } from './denial';
import { keyOf, type Scope } from './keys';
import { DEFAULT_DETECTION_OPTIONS, type DetectionOptions } from './options';

/** Request counts of one key: bucket starts (epoch ms, ascending) and the running total after each. */
interface CountSeries {
  buckets: number[];
  cumulative: number[];
  /** Running total of requests answered below 400. */
  cumulativeOk: number[];
}

/**
 * The data one detection run reads, indexed for range sums: request counts by key (from the
 * dimension counters of ONE dataset per dimension: the one that saw the most requests with that
 * dimension, i.e. the widest view, so a value's requests are never counted twice across layers),
 * and 403s by key (from verdicts: one per refused request, joined across layers).
 * Range sums cost O(log n) per key.
 *
 * Only 403s of traffic that used to pass are indexed (DESIGN.md "Spikes": what pages on-call is a
 * change that refuses traffic which used to pass):
 * - a 403 counts when its route had at least `passMinRequests` requests in the baseline before it,
 *   most of them answered below 400 (when the route's layer logs no status: most of them not
 *   refused). A scanner's probes of /wp-login.php or /.env, refused or 404 every time, never make a
 *   spike; a 403 with no route, or before any baseline exists, counts;
 * - a 403 decided by a rate-based rule never counts: such a rule refuses one source for its own
 *   volume, by design (a bot the WAF keeps stopping is worth a count on the dashboard, not a page).
 */
export class DetectionData {
  /** Dataset whose counters are the denominators of each dimension. */
  readonly datasetOf = new Map<string, string>();
  private readonly counts = new Map<string, CountSeries>();
  /** Datasets that logged a status on some request (so their `ok` counts mean something). */
  private readonly withStatus = new Set<string>();
  /** Denials sorted by time. */
  readonly denials: Denial[];
  /** Indices into {@link denials} per key, ascending time. */
  private readonly byKey = new Map<string, number[]>();
  /** First and last bucket start of any counter row, epoch ms (NaN when there are none). */
  readonly firstBucket: number;
  readonly lastBucket: number;

  /** Indices of the 403s left out (their route did not pass in its baseline). */
  readonly unpageable = new Set<number>();

  constructor(rows: readonly DimensionCounterRow[], denials: readonly Denial[], options: Partial<DetectionOptions> = {}) {
    const o = { ...DEFAULT_DETECTION_OPTIONS, ...options };
    const perDataset = new Map<string, number>();
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      if (r.ok > 0) this.withStatus.add(r.dataset);
      const k = `${r.dimension}\u0001${r.dataset}`;
      perDataset.set(k, (perDataset.get(k) ?? 0) + r.count);
      if (r.bucket < first) first = r.bucket;
      if (r.bucket > last) last = r.bucket;
    }
    const best = new Map<string, number>();
    for (const [k, n] of perDataset) {
      const [dimension, dataset] = k.split('\u0001') as [string, string];
      if (n > (best.get(dimension) ?? -1) || (n === best.get(dimension) && dataset < (this.datasetOf.get(dimension) ?? ''))) {
        best.set(dimension, n);
        this.datasetOf.set(dimension, dataset);
      }
    }
    const sparse = new Map<string, Map<number, [number, number]>>();
    const bump = (key: string, bucket: number, n: number, ok: number): void => {
      let m = sparse.get(key);
      if (!m) sparse.set(key, (m = new Map()));
      const c = m.get(bucket);
      if (c) {
        c[0] += n;
        c[1] += ok;
      } else m.set(bucket, [n, ok]);
    };
    for (const r of rows) {
      if (this.datasetOf.get(r.dimension) !== r.dataset) continue;
      const scopes: Scope[] = r.method_class === 'other' ? ['*'] : ['*', r.method_class];
      for (const s of scopes) {
        bump(keyOf(r.dimension, r.value, s), r.bucket, r.count, r.ok);
        bump(keyOf(r.dimension, '*', s), r.bucket, r.count, r.ok);
      }
    }
    for (const [key, m] of sparse) {
      const buckets = [...m.keys()].sort((a, b) => a - b);
      const cumulative: number[] = [];
      const cumulativeOk: number[] = [];
      let total = 0;
      let okTotal = 0;
      for (const b of buckets) {
        cumulative.push((total += m.get(b)![0]));
        cumulativeOk.push((okTotal += m.get(b)![1]));
      }
      this.counts.set(key, { buckets, cumulative, cumulativeOk });
    }
    this.denials = [...denials].sort((a, b) => a.ms - b.ms || (a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0));
    const routeKeys = new Map<string, number[]>();
    this.denials.forEach((d, i) => {
      if (!d.route) return;
      const k = keyOf('url.path', d.route, '*');
      let list = routeKeys.get(k);
      if (!list) routeKeys.set(k, (list = []));
      list.push(i);
    });
    const longest = Math.max(...o.windowsMs);
    const routeStatus = this.withStatus.has(this.datasetOf.get('url.path') ?? '');
    this.denials.forEach((d, i) => {
      if (d.rule_type && /rate/i.test(d.rule_type)) this.unpageable.add(i);
    });
    for (const [k, list] of routeKeys) {
      for (const i of list) {
        const d = this.denials[i]!;
        const to = d.ms - longest;
        const from = Math.max(first, to - o.baselineMs);
        if (to - from < o.minBaselineMs) continue;
        const n = this.requests(k, from, to);
        const denied = lowerBound(list, (j) => this.denials[j]!.ms >= to) - lowerBound(list, (j) => this.denials[j]!.ms >= from);
        const passed = routeStatus ? this.okRequests(k, from, to) : n - denied;
        if (n < o.passMinRequests || passed / Math.max(n, denied) < o.passMinShare) this.unpageable.add(i);
      }
    }
    this.denials.forEach((d, i) => {
      if (this.unpageable.has(i)) return;
      for (const k of d.keys) {
        let list = this.byKey.get(k);
        if (!list) this.byKey.set(k, (list = []));
        list.push(i);
      }
    });
    this.firstBucket = rows.length ? first : Number.NaN;
    this.lastBucket = rows.length ? last : Number.NaN;
  }

  /** Requests of `key` in buckets starting in [from, to), epoch ms. */
  requests(key: string, from: number, to: number): number {
    const s = this.counts.get(key);
    if (!s) return 0;
    return cumulativeBefore(s, to) - cumulativeBefore(s, from);
  }

  /** Requests of `key` answered below 400 in buckets starting in [from, to). */
  okRequests(key: string, from: number, to: number): number {
    const s = this.counts.get(key);
    if (!s) return 0;
    return cumulativeBefore(s, to, s.cumulativeOk) - cumulativeBefore(s, from, s.cumulativeOk);
  }

  /** Indices (into {@link denials}) of the 403s of `key` with time in [from, to). */
  denialsIn(key: string, from: number, to: number): number[] {
    const list = this.byKey.get(key);
    if (!list) return [];
    const lo = lowerBound(list, (i) => this.denials[i]!.ms >= from);
    const hi = lowerBound(list, (i) => this.denials[i]!.ms >= to);
    return list.slice(lo, hi);
  }

  /** Number of 403s of `key` in [from, to). */
  deniedCount(key: string, from: number, to: number): number {
    const list = this.byKey.get(key);
    if (!list) return 0;
    return lowerBound(list, (i) => this.denials[i]!.ms >= to) - lowerBound(list, (i) => this.denials[i]!.ms >= from);
  }

  /** Index of the first denial at or after `ms`. */
  firstDenialAt(ms: number): number {
    return lowerBound(this.denials, (d) => d.ms >= ms);
  }
}

function cumulativeBefore(s: CountSeries, t: number, totals = s.cumulative): number {
  const i = lowerBound(s.buckets, (b) => b >= t);
  return i === 0 ? 0 : totals[i - 1]!;
}

/** First index whose element satisfies `pred` (pred is monotone false…true); length when none. */
function lowerBound<T>(a: readonly T[], pred: (x: T) => boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(a[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
