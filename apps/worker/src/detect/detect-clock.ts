/**
 * Which ticks a detection run evaluates. Detection runs on log time, not wall time, so a backlog
 * pushed late is evaluated as it would have been live (and `denytrace spikes` replays the same):
 * the data ends at the last stored event (plus one bucket) — or, while logs are live (the last
 * event is less than {@link LIVE_WITHIN_MS} old), at wall time minus {@link DETECT_LAG_MS}, so
 * ticks go on through quiet minutes and spikes resolve.
 */
export const DETECT_LAG_MS = 30_000;
export const LIVE_WITHIN_MS = 60 * 60_000;
/** Ticks one run evaluates at most (12 hours of log time); the next run goes on. */
export const MAX_TICKS_PER_RUN = 1440;

/**
 * Tick times (epoch ms, ascending) after `lastTick` up to the end of the data, never past `reached`
 * (the log time every source has reached, see {@link sourcesReached}).
 */
export function ticksToRun(o: { lastTick: number | undefined; firstData: number; lastData: number; reached?: number; now: number; tickMs: number; minStartMs: number }): number[] {
  const live = o.now - o.lastData < LIVE_WITHIN_MS;
  const end = Math.min(live ? Math.max(o.lastData, o.now - DETECT_LAG_MS) : o.lastData + o.tickMs, o.reached ?? Number.POSITIVE_INFINITY);
  const start = o.lastTick !== undefined ? o.lastTick + o.tickMs : Math.ceil((o.firstData + o.minStartMs) / o.tickMs) * o.tickMs;
  const out: number[] = [];
  for (let t = start; t <= end && out.length < MAX_TICKS_PER_RUN; t += o.tickMs) out.push(t);
  return out;
}

/** A source this far behind the most advanced one stops holding detection back (it may have stopped), ms. */
export const MAX_SOURCE_WAIT_MS = 15 * 60_000;

/**
 * The log time up to which every source has data: the earliest of the datasets' last counted
 * minute (+1 minute), among datasets seen in the last {@link MAX_SOURCE_WAIT_MS} of the most
 * advanced one — a tick evaluated before a source caught up would miss its requests and 403s (a
 * region the WAF logs, a route the CDN counts) and could fire on the others alone. Epoch ms, or
 * undefined without data.
 */
export function sourcesReached(coverage: ReadonlyArray<{ last_minute: number }>): number | undefined {
  if (coverage.length === 0) return undefined;
  const newest = Math.max(...coverage.map((c) => c.last_minute));
  const live = coverage.filter((c) => c.last_minute >= newest - MAX_SOURCE_WAIT_MS).map((c) => c.last_minute);
  return Math.min(...live) + 60_000;
}
