/**
 * The settings of spike detection. Defaults are chosen against Cloudflare's documented security
 * event alert rule ("z-score > 3.5 on 5-minute buckets over the last 6 hours, at least 200 events":
 * https://developers.cloudflare.com/waf/reference/alerts/),
 * to fire sooner (30 s ticks, 1–5 minute windows) on smaller volumes, with an exact tail test
 * instead of a z-score (z-scores over small counts are not normal) and a Bonferroni-style
 * threshold for the many dimension values tested at once.
 */
export interface DetectionOptions {
  /** Baseline length: the preceding hours, at most this long, ms. Default 6 h. */
  baselineMs: number;
  /** Shortest baseline that allows a test, ms. Default 15 min: nothing fires in the first 15 minutes of data. */
  minBaselineMs: number;
  /** Test windows ending at each tick, ms. Default 1, 2 and 5 minutes. */
  windowsMs: readonly number[];
  /** Tick spacing, ms. Default 30 s (the worker's `detect` job period). */
  tickMs: number;
  /** Fewest 403s in a window for a spike: "never on a handful of requests". Default 5. */
  minDenied: number;
  /** Fewest 403s above the baseline expectation. Default 4. */
  minExcess: number;
  /** The observed deny ratio must be at least this many times the baseline. Default 3. */
  minRatio: number;
  /** p-value threshold for a new spike. Default 1e-7 (≈ 1e-3 per tick over ~10 000 tests). */
  alpha: number;
  /** p-value threshold for a service's writes within {@link deployWatchMs} after its deploy (one pre-registered test). Default 1e-4. */
  deployAlpha: number;
  /** How long after a deploy starts its service's writes are watched, ms. Default 60 min. */
  deployWatchMs: number;
  /** Pseudo-requests of the prior that pulls a value's baseline ratio toward the dimension's overall ratio. Default 20. */
  priorRequests: number;
  /** A rule is "quiet" (for `new_rule`) at or below this many 403s per hour in its baseline. Default 2. */
  quietPerHour: number;
  /** A spike whose top client address holds at least this share of its 403s is one source (a bot the WAF keeps stopping), not a page. Default 0.8. */
  singleSourceShare: number;
  /** A dimension value explains a cluster when it holds at least this share of its 403s. Default 0.8. */
  explainShare: number;
  /** A 403 counts only when its route had at least this many requests in its baseline. Default 3. */
  passMinRequests: number;
  /** …and at least this share of them passed (answered below 400). Default 0.5. */
  passMinShare: number;
  /** A spike is resolved after this long without its explaining value being elevated, ms. Default 3 min. */
  resolveAfterMs: number;
  /** p-value below which an open spike's value still counts as elevated. Default 1e-3. */
  elevatedAlpha: number;
}

export const DEFAULT_DETECTION_OPTIONS: DetectionOptions = {
  baselineMs: 6 * 3600_000,
  minBaselineMs: 15 * 60_000,
  windowsMs: [60_000, 120_000, 300_000],
  tickMs: 30_000,
  minDenied: 5,
  minExcess: 4,
  minRatio: 3,
  alpha: 1e-7,
  deployAlpha: 1e-4,
  deployWatchMs: 60 * 60_000,
  priorRequests: 20,
  quietPerHour: 2,
  singleSourceShare: 0.8,
  explainShare: 0.8,
  passMinRequests: 3,
  passMinShare: 0.5,
  resolveAfterMs: 3 * 60_000,
  elevatedAlpha: 1e-3,
};
