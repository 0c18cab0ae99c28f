import { correlate, coverageFromSpans, spanOfDataset, type CorrelationOptions, type NetworkInfo } from '@denytrace/correlation';
import type { DenyEvent, Verdict } from '@denytrace/schema';
import type { EventStore } from '@denytrace/store';

/** Options of {@link decideWindow}. */
export interface DecideWindowOptions {
  /** Width of the window, ms. */
  windowMs: number;
  /** Events this far before and after the window are loaded too, so traces crossing its edges are whole, ms. */
  marginMs: number;
  /** Network table lookup for the client's country, region, network and organization. */
  network?: (ip: string) => NetworkInfo | undefined;
  /** "Now", epoch ms, for provisional verdicts; default `Date.now()`. */
  now?: number;
  options?: Partial<CorrelationOptions>;
}

/**
 * Decides one re-decision window from the store, without writing: loads the events with
 * `@timestamp` in [window − margin, window + windowMs + margin), takes coverage (which sources were
 * ingested) from the counters of [window − 2·margin, window + windowMs + 2·margin), correlates, and
 * keeps the verdicts whose first_seen is in [window, window + windowMs). Pure over the store's
 * contents: the same events give the same verdicts, on any worker.
 *
 * @param window window start, epoch ms (UTC)
 * @returns the window's verdicts (ordered by first_seen, then trace_id) and how many events were read.
 */
export async function decideWindow(store: EventStore, window: number, o: DecideWindowOptions): Promise<{ verdicts: Verdict[]; events: number }> {
  const a = window;
  const b = window + o.windowMs;
  const batch: DenyEvent[] = [];
  for await (const e of store.eventsInRange(iso(a - o.marginMs), iso(b + o.marginMs))) batch.push(e);
  const cov = await store.coverage(iso(a - 2 * o.marginMs), iso(b + 2 * o.marginMs));
  const coverage = coverageFromSpans(cov.map((c) => spanOfDataset(c.dataset, c.layer, c.first_minute, c.last_minute + 60_000)));
  const all = correlate(batch, { coverage, network: o.network, now: o.now, options: o.options });
  const aIso = iso(a);
  const bIso = iso(b);
  return { verdicts: all.filter((v) => v.first_seen >= aIso && v.first_seen < bIso), events: batch.length };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
