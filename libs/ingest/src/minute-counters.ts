import type { DenyEvent } from '@denytrace/schema';
import type { NetworkTable } from '@denytrace/network';
import type { CounterRow, DimensionCounterRow } from '@denytrace/store';
import { DimensionCounters } from './dimension-counters';

const MINUTE_MS = 60_000;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `read` (GET/HEAD/OPTIONS), `write` (POST/PUT/PATCH/DELETE), else `other` (also when absent). */
export function methodClass(method: string | undefined): CounterRow['method_class'] {
  if (!method) return 'other';
  const m = method.toUpperCase();
  return READ_METHODS.has(m) ? 'read' : WRITE_METHODS.has(m) ? 'write' : 'other';
}

/**
 * Per-minute request counters (the denominators of deny ratios, DESIGN.md "Storage"), aggregated in
 * memory by (UTC minute, dataset, layer, status, method class, country) until {@link drain}.
 * `minute` is the epoch-ms start of the UTC minute of `@timestamp`; status 0 and country '' mean absent.
 * The same pass fills the {@link DimensionCounters} spike detection uses ({@link drainDimensions}).
 */
export class MinuteCounters {
  private readonly rows = new Map<string, CounterRow>();
  private readonly dimensions: DimensionCounters;
  private lastPrefix = '';
  private lastMinute = 0;

  /** @param network the user's network table, for the `source.ip` dimension's networks */
  constructor(network?: NetworkTable) {
    this.dimensions = new DimensionCounters(network);
  }

  /** Counts one event. Events whose `@timestamp` does not parse are not counted (returns false). */
  add(e: DenyEvent): boolean {
    const minute = this.minuteOf(e['@timestamp']);
    if (minute === undefined) return false;
    const dataset = e.event.dataset;
    const layer = e.denytrace.layer;
    const status = e.http?.response?.status_code ?? 0;
    const mc = methodClass(e.http?.request?.method);
    const country = e.source?.geo?.country_iso_code ?? '';
    const key = `${minute}\u0001${dataset}\u0001${layer}\u0001${status}\u0001${mc}\u0001${country}`;
    const row = this.rows.get(key);
    if (row) row.count += 1;
    else this.rows.set(key, { minute, dataset, layer, status, method_class: mc, country, count: 1 });
    this.dimensions.add(e, minute + secondsOf(e['@timestamp'], minute) * 1000, mc);
    return true;
  }

  /** Start of the UTC minute, epoch ms; canonical `YYYY-MM-DDTHH:MM:SS.sssZ` reuses the last minute's value. */
  private minuteOf(ts: string): number | undefined {
    const canonical = ts.length === 24 && ts.charCodeAt(23) === 0x5a && ts.charCodeAt(16) === 0x3a;
    if (canonical && ts.startsWith(this.lastPrefix) && this.lastPrefix !== '') return this.lastMinute;
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) return undefined;
    const minute = Math.floor(ms / MINUTE_MS) * MINUTE_MS;
    if (canonical) {
      this.lastPrefix = ts.slice(0, 17);
      this.lastMinute = minute;
    }
    return minute;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The dimension rows counted since the last drain (see {@link DimensionCounters}). */
  drainDimensions(): DimensionCounterRow[] {
    return this.dimensions.drain();
  }

  /** The rows counted since the last drain; the aggregate starts empty again. */
  drain(): CounterRow[] {
    const out = [...this.rows.values()];
    this.rows.clear();
    return out;
  }
}

/** Seconds into the minute of an ISO-8601 timestamp (0..59), read from the text when canonical. */
function secondsOf(ts: string, minute: number): number {
  if (ts.length === 24 && ts.charCodeAt(23) === 0x5a) {
    const s = (ts.charCodeAt(17) - 48) * 10 + (ts.charCodeAt(18) - 48);
    if (s >= 0 && s < 60) return s;
  }
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? 0 : Math.floor((ms - minute) / 1000);
}
