/**
 * The `correlate` queue: re-decide the verdicts of one re-decision window from the store.
 *
 * Idempotent by construction: a job recomputes the window from the events stored at that moment and
 * writes only if the window's version did not move meanwhile (`replaceTracesIfCurrent`), so running
 * it twice, or on two workers at once, gives the same verdicts. Job ids are deterministic
 * (`<window>:<version>`), so re-enqueueing the same change is a no-op in BullMQ.
 */
export const CORRELATE_QUEUE = 'correlate';

/** Width of a re-decision window, ms (the same windows as `redecide` in `@denytrace/traces`). */
export const WINDOW_MS = 15 * 60_000;
/** Events this far outside a window are loaded with it, and mark it changed, ms. */
export const WINDOW_MARGIN_MS = 10 * 60_000;
/** A window is re-decided once more this long after its end, so provisional verdicts become final, ms. */
export const SETTLE_MS = 15 * 60_000;

export type CorrelateJobName = 'correlate-window' | 'settle-window' | 'sweep';

/** Payload of `correlate-window` and `settle-window`. */
export interface CorrelateWindowData {
  /** Window start, epoch ms, aligned to WINDOW_MS. */
  window: number;
  /** The window version this job was enqueued for (informational: the job always decides the current version). */
  version: number;
}

/** The typed job union of the correlate queue: `{ name, data }`. */
export type CorrelateJob =
  | { name: 'correlate-window'; data: CorrelateWindowData }
  | { name: 'settle-window'; data: CorrelateWindowData }
  | { name: 'sweep'; data: Record<string, never> };

/**
 * Retries with exponential backoff; failures are kept for inspection. Completed jobs are removed at
 * once: a kept completed job would block its id (`<window>:<version>`), and a new store under the same
 * queue prefix restarts versions at 1 — its jobs would be dropped as duplicates. Deciding a window
 * twice is a no-op (its decided version), so a re-added id costs nothing.
 */
export const CORRELATE_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: true,
  removeOnFail: false,
};

/** Window starts whose verdicts an event at `t` (epoch ms) may change. */
export function windowsFor(t: number): number[] {
  const first = Math.floor((t - WINDOW_MARGIN_MS) / WINDOW_MS) * WINDOW_MS;
  const last = Math.floor((t + WINDOW_MARGIN_MS) / WINDOW_MS) * WINDOW_MS;
  const out: number[] = [];
  for (let w = first; w <= last; w += WINDOW_MS) out.push(w);
  return out;
}

/** Every window touched by events with these `@timestamp`s (ISO-8601), sorted, unique. */
export function windowsForTimestamps(timestamps: Iterable<string>): number[] {
  const set = new Set<number>();
  for (const ts of timestamps) for (const w of windowsFor(Date.parse(ts))) set.add(w);
  return [...set].sort((a, b) => a - b);
}

export const correlateJobId = (window: number, version: number) => `w${window}-v${version}`;
export const settleJobId = (window: number) => `settle-w${window}`;
