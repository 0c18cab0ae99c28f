import type { CorrelationOptions, NetworkInfo } from '@denytrace/correlation';
import type { EventStore } from '@denytrace/store';
import { decideWindow } from './decide-window';

export interface RedecideOptions {
  /** Width of one re-decision window, ms. Default 15 min: memory holds one window's refusal events plus margins. */
  windowMs?: number;
  /** Events this far before and after a window are loaded too, so traces crossing its edges are whole. Default 10 min (≥ the 5 min an id may span, plus the match window). */
  marginMs?: number;
  network?: (ip: string) => NetworkInfo | undefined;
  now?: number;
  options?: Partial<CorrelationOptions>;
  /** Called after each window with the verdicts written so far. */
  onProgress?: (p: { windowsDone: number; windows: number; verdicts: number }) => void;
}

const MINUTE = 60_000;

/**
 * Re-decides every verdict whose trace starts in [since, until) (ISO-8601 UTC) from the events in the
 * store, window by window ({@link decideWindow}: load the window's events plus a margin, correlate, keep
 * the verdicts that start inside the window), and replace the window's stored verdicts with them. Safe to run twice;
 * running it after late events arrive turns provisional verdicts into final ones.
 *
 * @returns how many verdicts were written and events read.
 */
export async function redecide(store: EventStore, since: string, until: string, o: RedecideOptions = {}): Promise<{ verdicts: number; events: number }> {
  const windowMs = o.windowMs ?? 15 * MINUTE;
  const margin = o.marginMs ?? 10 * MINUTE;
  const start = Math.floor(Date.parse(since) / windowMs) * windowMs;
  const end = Date.parse(until);
  const windows = Math.max(1, Math.ceil((end - start) / windowMs));
  let verdicts = 0;
  let events = 0;
  for (let w = 0; w < windows; w++) {
    const a = start + w * windowMs;
    const b = a + windowMs;
    const { verdicts: kept, events: read } = await decideWindow(store, a, { windowMs, marginMs: margin, network: o.network, now: o.now, options: o.options });
    events += read;
    const aIso = new Date(a).toISOString();
    const bIso = new Date(b).toISOString();
    await store.replaceTraces(aIso, bIso, kept);
    verdicts += kept.length;
    o.onProgress?.({ windowsDone: w + 1, windows, verdicts });
  }
  return { verdicts, events };
}

/** Re-decides everything in the store. */
export async function redecideAll(store: EventStore, o: RedecideOptions = {}): Promise<{ verdicts: number; events: number }> {
  const bounds = await store.eventTimeBounds();
  if (!bounds) return { verdicts: 0, events: 0 };
  return redecide(store, bounds.first, new Date(Date.parse(bounds.last) + 1).toISOString(), o);
}
