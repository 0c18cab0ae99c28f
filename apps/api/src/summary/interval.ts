/** Most time buckets one summary answers with (a chart's x axis). */
export const MAX_BUCKETS = 500;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const INTERVAL = /^([1-9]\d{0,5})(s|m|h|d)$/;

/** Intervals picked by default, smallest first: the first that gives ≤ {@link MAX_BUCKETS} buckets wins. */
const NICE = ['1m', '5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'];

/**
 * Reads an interval such as `30s`, `1m`, `5m`, `1h`, `1d` (a positive whole number and one unit of
 * s, m, h, d) into milliseconds; undefined when the text is not one.
 */
export function parseInterval(text: string): number | undefined {
  const m = INTERVAL.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** Writes milliseconds as the largest whole unit: 300000 → `5m`, 90000 → `90s`. */
export function formatInterval(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/**
 * The bucket starts (epoch ms, UTC) of [sinceMs, untilMs) cut into `intervalMs` buckets aligned to
 * multiples of the interval since the epoch: the first bucket starts at or before `sinceMs`.
 */
export function bucketStarts(sinceMs: number, untilMs: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let b = Math.floor(sinceMs / intervalMs) * intervalMs; b < untilMs; b += intervalMs) out.push(b);
  return out;
}

/** How many aligned buckets [sinceMs, untilMs) takes at `intervalMs` (without listing them). */
export function bucketCount(sinceMs: number, untilMs: number, intervalMs: number): number {
  const first = Math.floor(sinceMs / intervalMs) * intervalMs;
  return Math.max(0, Math.ceil((untilMs - first) / intervalMs));
}

/**
 * The default interval of a range: the smallest of 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d, 7d giving at
 * most {@link MAX_BUCKETS} buckets; for longer ranges, whole weeks.
 */
export function pickInterval(sinceMs: number, untilMs: number): number {
  for (const text of NICE) {
    const ms = parseInterval(text)!;
    if (bucketCount(sinceMs, untilMs, ms) <= MAX_BUCKETS) return ms;
  }
  const week = 7 * UNIT_MS.d;
  let ms = Math.ceil((untilMs - sinceMs) / (MAX_BUCKETS - 1) / week) * week;
  while (bucketCount(sinceMs, untilMs, ms) > MAX_BUCKETS) ms += week;
  return ms;
}
