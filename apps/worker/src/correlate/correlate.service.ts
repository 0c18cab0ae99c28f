import { Injectable } from '@nestjs/common';
import type { Verdict } from '@denytrace/schema';
import { DenytraceMetrics } from '@denytrace/metrics';
import { WINDOW_MARGIN_MS, WINDOW_MS, CorrelateProducer } from '@denytrace/queue';
import { InjectNetworkLookup, InjectStore, type EventStore, type NetworkLookup } from '@denytrace/store';
import { decideWindow } from '@denytrace/traces';
import { InjectWorkerClock, type WorkerClock } from './worker-clock';

/** What one window job did; kept as the BullMQ job's return value for inspection. */
export interface WindowOutcome {
  /** Window start, ISO-8601 UTC. */
  window: string;
  /** The window version decided (or found already decided). */
  version: number;
  /** `written`: verdicts replaced; `current`: nothing new since the last decision; `superseded`: newer events arrived meanwhile, their own job decides. */
  result: 'written' | 'current' | 'superseded';
  verdicts: number;
  events: number;
}

/** How many stale windows one sweep re-enqueues. */
export const SWEEP_LIMIT = 500;

/**
 * Decides re-decision windows for the correlate queue (DESIGN.md "Queues"). Stateless: every call
 * reads the window's version and events from the store and writes through the store's
 * compare-and-set, so running a job twice, or on two workers at once, gives the same verdicts, and
 * an older decision never overwrites a newer one. Store errors propagate (the job is retried).
 */
@Injectable()
export class CorrelateService {
  constructor(
    @InjectStore() private readonly store: EventStore,
    @InjectNetworkLookup() private readonly network: NetworkLookup,
    @InjectWorkerClock() private readonly clock: WorkerClock,
    private readonly producer: CorrelateProducer,
    private readonly metrics: DenytraceMetrics,
  ) {}

  /**
   * Decides window `window` (epoch ms, aligned to WINDOW_MS) at its current version.
   * @param force false (`correlate-window`): return `current` when the stored verdicts are already
   *   of this version; true (`settle-window`): decide anyway, so provisional verdicts become final
   *   as the clock passes their settle time.
   */
  async decide(window: number, force: boolean): Promise<WindowOutcome> {
    const [v] = await this.store.windowVersions([window]);
    const base = { window: new Date(window).toISOString(), version: v.version };
    if (!force && v.decided_version >= v.version) return { ...base, result: 'current', verdicts: 0, events: 0 };
    const { verdicts, events } = await decideWindow(this.store, window, { windowMs: WINDOW_MS, marginMs: WINDOW_MARGIN_MS, network: this.network, now: this.clock() });
    const written = await this.store.replaceTracesIfCurrent(window, WINDOW_MS, v.version, verdicts);
    if (!written) return { ...base, result: 'superseded', verdicts: 0, events };
    this.count(verdicts);
    return { ...base, result: 'written', verdicts: verdicts.length, events };
  }

  /**
   * Re-enqueues up to {@link SWEEP_LIMIT} windows whose verdicts are behind their events (a change
   * whose enqueue was lost, e.g. Redis was down at ingest). Job ids are deterministic, so a window
   * whose job is still queued is not enqueued twice. Returns how many windows were stale.
   */
  async sweep(): Promise<number> {
    const stale = await this.store.staleWindows(SWEEP_LIMIT);
    await this.producer.windowsChanged(stale, this.clock());
    return stale.length;
  }

  private count(verdicts: readonly Verdict[]): void {
    for (const v of verdicts) this.metrics.verdicts.inc({ emitting_layer: v.emitting_layer ?? 'none', rule: v.decisive_rule?.id ?? 'none' });
  }
}
