import type { Client, estypes } from '@elastic/elasticsearch';
import type { Verdict } from '@denytrace/schema';
import type { WindowVersion } from '../event-store';
import { StoreError } from '../store-error';
import { isStatus, storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';
import type { EsTraces } from './es-traces';

/** A window document (`_id` = window start in epoch ms, as text). */
interface WindowDoc {
  window: number;
  version: number;
  decided_version: number;
  claimed_version?: number;
  stale: boolean;
}

/** Id of the document whose writes hand out decision stamps for `replaceTraces` (no `window` field: never listed). */
const STAMP_ID = 'decision-stamp';
/** Claim attempts before giving up on a window other writers keep changing. */
const CLAIM_ATTEMPTS = 8;

/**
 * Re-decision windows in `denytrace-<ns>-windows` (one primary shard). A touch is a scripted upsert
 * (`version += 1`, `stale = true`, `retry_on_conflict`); versions are read with a realtime `mget`.
 *
 * Compare-and-set ({@link EsWindows.replaceIfCurrent}) uses the window document's
 * `_seq_no`/`_primary_term`
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/optimistic-concurrency-control.html):
 * read the window, and if its version is the one decided, *claim* it with a write conditioned on the
 * `_seq_no` read (a 409 means it changed: read again). The claim's own `_seq_no` is the decision's
 * stamp: the index has one shard, so stamps grow with every window write, and a decision made after
 * a touch always has a larger stamp than one made before it (es-traces.ts turns that into external
 * versions of the verdicts).
 */
export class EsWindows {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { refresh: estypes.Refresh }) {}

  /** Bumps each window's version (a new window starts at 1); results sorted by window. */
  async touch(windows: readonly number[]): Promise<WindowVersion[]> {
    return Promise.all(uniqueWindows(windows).map(async (w) => {
      try {
        const res = await this.client.update<WindowDoc, Partial<WindowDoc>, WindowDoc>({
          index: this.n.windows, id: String(w), retry_on_conflict: 10, refresh: this.o.refresh, _source: true,
          script: { source: 'ctx._source.version += 1; ctx._source.stale = true', lang: 'painless' },
          upsert: { window: w, version: 1, decided_version: -1, stale: true },
        });
        return versionOf(w, res.get?._source);
      } catch (err) {
        throw storeErrorOf(err, `touch of window ${w} in ${this.n.windows}`);
      }
    }));
  }

  /** Versions of these windows, sorted by window (realtime `mget`); an unknown window is `{ version: 0, decided_version: -1 }`. */
  async versions(windows: readonly number[]): Promise<WindowVersion[]> {
    const unique = uniqueWindows(windows);
    if (unique.length === 0) return [];
    try {
      const res = await this.client.mget<WindowDoc>({ index: this.n.windows, ids: unique.map(String), realtime: true });
      return unique.map((w, i) => {
        const d = res.docs[i] as estypes.GetGetResult<WindowDoc>;
        return versionOf(w, d.found ? d._source : undefined);
      });
    } catch (err) {
      throw storeErrorOf(err, `versions in ${this.n.windows}`);
    }
  }

  /** Up to `limit` windows whose verdicts are behind their events, oldest window first. */
  async stale(limit: number): Promise<WindowVersion[]> {
    const size = Math.max(0, Math.floor(limit));
    if (size === 0) return [];
    try {
      const res = await this.client.search<WindowDoc>({ index: this.n.windows, query: { term: { stale: true } }, sort: [{ window: 'asc' }], size, track_total_hits: false });
      return res.hits.hits.map((h) => versionOf((h._source as WindowDoc).window, h._source));
    } catch (err) {
      throw storeErrorOf(err, `stale windows in ${this.n.windows}`);
    }
  }

  /** A fresh decision stamp for a re-decision outside the window protocol (`replaceTraces`). */
  async stamp(): Promise<number> {
    try {
      const res = await this.client.index({ index: this.n.windows, id: STAMP_ID, document: {} });
      return res._seq_no as number;
    } catch (err) {
      throw storeErrorOf(err, `decision stamp in ${this.n.windows}`);
    }
  }

  /**
   * Writes `verdicts` as the decision of `window` at `version`, if that is still the window's
   * version when the claim succeeds; returns false, writing nothing, otherwise. After writing,
   * `decided_version` becomes max(decided_version, version).
   *
   * Difference from the embedded store: the claim, the verdict writes and the decided mark are three
   * requests, not one transaction. Events touched in between (after the claim) do not make this call
   * return false: its verdicts are written, the window stays stale (version > decided_version) and
   * the newer decision replaces them — never the other way round, because of the stamps.
   */
  async replaceIfCurrent(window: number, windowMs: number, version: number, verdicts: readonly Verdict[], traces: EsTraces): Promise<boolean> {
    if (!Number.isSafeInteger(window) || !Number.isSafeInteger(windowMs) || windowMs <= 0 || !Number.isSafeInteger(version)) {
      throw new StoreError('invalid_argument', `replaceTracesIfCurrent needs integer window, windowMs > 0 and version (got ${window}, ${windowMs}, ${version})`);
    }
    const stamp = await this.claim(window, version);
    if (stamp === undefined) return false;
    await traces.replace(window, window + windowMs, verdicts, stamp);
    try {
      await this.client.update({
        index: this.n.windows, id: String(window), retry_on_conflict: 10, refresh: this.o.refresh,
        script: {
          source: 'if (params.v > ctx._source.decided_version) { ctx._source.decided_version = params.v } ctx._source.stale = ctx._source.decided_version < ctx._source.version',
          lang: 'painless', params: { v: version },
        },
      });
    } catch (err) {
      throw storeErrorOf(err, `decided mark of window ${window} in ${this.n.windows}`);
    }
    return true;
  }

  /** The stamp of a successful claim of `window` at `version`, or undefined when its version is another. */
  private async claim(window: number, version: number): Promise<number | undefined> {
    const id = String(window);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        const got = await this.client.get<WindowDoc>({ index: this.n.windows, id, realtime: true }).catch((err: unknown) => {
          if (isStatus(err, 404)) return undefined;
          throw err;
        });
        const current = got?.found ? (got._source as WindowDoc).version : 0;
        if (current !== version) return undefined;
        if (got?.found) {
          const res = await this.client.update({
            index: this.n.windows, id, if_seq_no: got._seq_no, if_primary_term: got._primary_term, detect_noop: false,
            doc: { claimed_version: version },
          });
          return res._seq_no as number;
        }
        const res = await this.client.create({ index: this.n.windows, id, document: { window, version: 0, decided_version: -1, claimed_version: 0, stale: false } });
        return res._seq_no as number;
      } catch (err) {
        if (isStatus(err, 409)) continue;
        throw storeErrorOf(err, `claim of window ${window} in ${this.n.windows}`);
      }
    }
    throw new StoreError('unavailable', `claim of window ${window} in ${this.n.windows}: the window kept changing over ${CLAIM_ATTEMPTS} attempts; the job will be retried`);
  }
}

function versionOf(window: number, d: WindowDoc | undefined): WindowVersion {
  return d ? { window, version: d.version, decided_version: d.decided_version } : { window, version: 0, decided_version: -1 };
}

/** Sorted unique window starts; a non-integer start is a caller bug. */
export function uniqueWindows(windows: readonly number[]): number[] {
  for (const w of windows) if (!Number.isSafeInteger(w)) throw new StoreError('invalid_argument', `window start must be an integer epoch ms, got ${w}`);
  return [...new Set(windows)].sort((a, b) => a - b);
}
