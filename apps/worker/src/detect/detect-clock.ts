/**
 * Which ticks a detection run evaluates. Detection runs on log time, not wall time, so a backlog
 * pushed late is evaluated as it would have been live (and `denytrace spikes` replays the same):
 * the data ends at the last stored event (plus one bucket) — or, while logs are live (the last
 * event is less than {@link LIVE_WITHIN_MS} old), at wall time minus {@link DETECT_LAG_MS}, so
 * ticks go on through quiet minutes and spikes resolve.
 */
export const DETECT_LAG_MS = 30_000;
export const LIVE_WITHIN_MS = 60 * 60_000;
/** Ticks one run evaluates at most (2 hours of log time); the next run goes on. */
export const MAX_TICKS_PER_RUN = 240;

/** Tick times (epoch ms, ascending) after `lastTick` up to the end of the data. */
export function ticksToRun(o: { lastTick: number | undefined; firstData: number; lastData: number; now: number; tickMs: number; minStartMs: number }): number[] {
  const live = o.now - o.lastData < LIVE_WITHIN_MS;
  const end = live ? Math.max(o.lastData, o.now - DETECT_LAG_MS) : o.lastData + o.tickMs;
  const start = o.lastTick !== undefined ? o.lastTick + o.tickMs : Math.ceil((o.firstData + o.minStartMs) / o.tickMs) * o.tickMs;
  const out: number[] = [];
  for (let t = start; t <= end && out.length < MAX_TICKS_PER_RUN; t += o.tickMs) out.push(t);
  return out;
}
