import type { Spike } from '@denytrace/schema';
import type { DetectionStore } from '@denytrace/store';
import { DIMENSION_BUCKET_MS } from '@denytrace/store';
import { denialOf, type Denial } from './denial';
import { Detector } from './detector';
import { DEFAULT_DETECTION_OPTIONS, type DetectionOptions } from './options';
import { DetectionData } from './series';

/** The store reads detection needs. */
export type DetectionSource = Pick<DetectionStore, 'dimensionCounts' | 'tracesInRange' | 'listDeploys'>;

/**
 * Loads the dimension counters and the 403 verdicts with time in [from, to) (epoch ms UTC) into a
 * {@link DetectionData}.
 */
export async function loadDetectionData(store: DetectionSource, from: number, to: number, options: Partial<DetectionOptions> = {}): Promise<DetectionData> {
  const rows = await store.dimensionCounts(from, to);
  const denials: Denial[] = [];
  for await (const v of store.tracesInRange(new Date(from).toISOString(), new Date(to).toISOString(), { status: 403 })) denials.push(denialOf(v));
  return new DetectionData(rows, denials, options);
}

/** What {@link replaySpikes} covers: ticks in [since, until) (ISO-8601 UTC; default: all the data). */
export interface ReplayOptions {
  since?: string;
  until?: string;
  detection?: Partial<DetectionOptions>;
  /** Called after each tick with its time (epoch ms) and the number of ticks, for progress. */
  onTick?: (t: number, done: number, total: number) => void;
}

/**
 * Replays detection over everything stored, as the worker would have run it live: one tick every
 * `tickMs` from the first moment a baseline exists (or `since`) to the end of the data (or
 * `until`), each tick seeing only data before it. Spikes still firing at the end keep `end: null`.
 * Returns every spike, oldest start first.
 */
export async function replaySpikes(store: DetectionSource, opts: ReplayOptions = {}): Promise<Spike[]> {
  const o = { ...DEFAULT_DETECTION_OPTIONS, ...opts.detection };
  const since = opts.since ? Date.parse(opts.since) : Number.NEGATIVE_INFINITY;
  const until = opts.until ? Date.parse(opts.until) : Number.POSITIVE_INFINITY;
  const longest = Math.max(...o.windowsMs);
  const from = Number.isFinite(since) ? since - o.baselineMs - longest : -8.64e15;
  const data = await loadDetectionData(store, from, Number.isFinite(until) ? until : 8.64e15, o);
  if (Number.isNaN(data.firstBucket)) return [];
  const deploys = await store.listDeploys({ limit: 10_000 });
  const detector = new Detector(data, deploys, o);
  const first = Math.max(since, data.firstBucket + o.minBaselineMs + o.windowsMs[0]!);
  const end = Math.min(until, data.lastBucket + DIMENSION_BUCKET_MS);
  const start = Math.ceil(first / o.tickMs) * o.tickMs;
  const total = Math.max(0, Math.floor((end - start) / o.tickMs) + 1);
  const all = new Map<string, Spike>();
  let done = 0;
  for (let t = start; t <= end; t += o.tickMs) {
    const r = detector.tick(t);
    for (const s of [...r.opened, ...r.updated, ...r.resolved]) all.set(s.id, s);
    opts.onTick?.(t, ++done, total);
  }
  return [...all.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : 1));
}
