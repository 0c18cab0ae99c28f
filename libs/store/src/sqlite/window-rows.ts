import type Database from 'better-sqlite3';
import type { Verdict } from '@denytrace/schema';
import { routeTemplate } from '@denytrace/schema';
import type { VerdictCountFilter, VerdictCountRow, WindowVersion } from '../event-store';
import { StoreError } from '../store-error';
import { msToIso } from '../time-range';
import type { SqliteTraceRows } from './trace-rows';

/** Group keys of `verdictCounts`. */
export type VerdictGroup = 'layer' | 'rule' | 'country' | 'network' | 'path';

/** SQL of each group key computed in SQLite (`path` is folded in JS, see {@link SqliteWindowRows.counts}). */
const GROUP_SQL: Readonly<Record<Exclude<VerdictGroup, 'path'>, string>> = {
  layer: 'emitting_layer',
  rule: 'rule_id',
  country: "json_extract(doc, '$.client.country')",
  network: "json_extract(doc, '$.client.network')",
};

/** Window starts per `IN (…)` chunk, well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/**
 * The re-decision windows of `events.db` (table `windows`, schema v2) and the verdict counts for
 * dashboards. Window starts are epoch ms (UTC); versions are integers bumped per write. Synchronous;
 * the store wraps it in the async `EventStore` methods.
 */
export class SqliteWindowRows {
  private readonly touch: Database.Statement<[number], WindowVersion>;
  private readonly current: Database.Statement<[number], { version: number }>;
  private readonly markDecided: Database.Statement;
  private readonly stale: Database.Statement<[number], WindowVersion>;
  private readonly versionStatements = new Map<number, Database.Statement<number[], WindowVersion>>();

  constructor(private readonly db: Database.Database, private readonly traces: SqliteTraceRows) {
    this.touch = db.prepare(
      `INSERT INTO windows (window, version, decided_version) VALUES (?, 1, -1)
       ON CONFLICT (window) DO UPDATE SET version = version + 1 RETURNING window, version, decided_version`,
    );
    this.current = db.prepare('SELECT version FROM windows WHERE window = ?');
    this.markDecided = db.prepare(
      `INSERT INTO windows (window, version, decided_version) VALUES (?, ?, ?)
       ON CONFLICT (window) DO UPDATE SET decided_version = MAX(decided_version, excluded.decided_version)`,
    );
    this.stale = db.prepare('SELECT window, version, decided_version FROM windows WHERE decided_version < version ORDER BY window LIMIT ?');
  }

  /** Bumps each window's version (a new window starts at 1) in one transaction; results sorted by window. */
  touchAll(windows: readonly number[]): WindowVersion[] {
    const unique = uniqueWindows(windows);
    return this.db.transaction(() => unique.map((w) => this.touch.get(w) as WindowVersion))();
  }

  /** Versions of these windows, sorted by window; an unknown window is `{ version: 0, decided_version: -1 }`. */
  versions(windows: readonly number[]): WindowVersion[] {
    const unique = uniqueWindows(windows);
    const found = new Map<number, WindowVersion>();
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      let stmt = this.versionStatements.get(chunk.length);
      if (!stmt) {
        stmt = this.db.prepare<number[], WindowVersion>(
          `SELECT window, version, decided_version FROM windows WHERE window IN (${chunk.map(() => '?').join(',')})`,
        );
        this.versionStatements.set(chunk.length, stmt);
      }
      for (const row of stmt.all(...chunk)) found.set(row.window, row);
    }
    return unique.map((w) => found.get(w) ?? { window: w, version: 0, decided_version: -1 });
  }

  /** Up to `limit` windows with decided_version < version, oldest window first. */
  staleWindows(limit: number): WindowVersion[] {
    return this.stale.all(Math.max(0, Math.floor(limit)));
  }

  /**
   * Compare and set: inside one IMMEDIATE transaction (the write lock is taken before the version is
   * read, so no other connection can bump it in between), if the window's version is `version`
   * (0 for a window never touched), replaces the verdicts whose first_seen is in
   * [window, window + windowMs) and records decided_version = version. Returns false, writing
   * nothing, when the version moved.
   */
  replaceIfCurrent(window: number, windowMs: number, version: number, verdicts: readonly Verdict[]): boolean {
    if (!Number.isSafeInteger(window) || !Number.isSafeInteger(windowMs) || windowMs <= 0 || !Number.isSafeInteger(version)) {
      throw new StoreError('invalid_argument', `replaceTracesIfCurrent needs integer window, windowMs > 0 and version (got ${window}, ${windowMs}, ${version})`);
    }
    const run = this.db.transaction((): boolean => {
      const now = this.current.get(window)?.version ?? 0;
      if (now !== version) return false;
      this.traces.replace(window, window + windowMs, verdicts);
      this.markDecided.run(window, version, version);
      return true;
    });
    return run.immediate();
  }

  /**
   * Verdicts with first_seen (epoch ms) in [sinceMs, untilMs), optionally of one status, counted per
   * bucket (`floor(first_seen / intervalMs) * intervalMs`, epoch-aligned, returned as ISO-8601 UTC)
   * and group key: `layer` the emitting layer, `rule` the decisive rule id, `country` and `network`
   * the client's, `path` the request's method and route with ids folded (`GET /v1/orders/{id}`, as
   * `denytrace report` shows it). Absent keys count as `unknown`. Ordered by bucket, then count
   * (most first), then key. `where` keeps only verdicts whose keys equal its values (`unknown` for
   * absent ones, the folded route for `path`).
   * @throws StoreError('invalid_argument') for a bad interval, status, group or filter field.
   */
  counts(q: { sinceMs: number; untilMs: number; groupBy: VerdictGroup; intervalMs: number; status?: number; where?: VerdictCountFilter }): VerdictCountRow[] {
    const { sinceMs, untilMs, groupBy, intervalMs, status, where = {} } = q;
    if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new StoreError('invalid_argument', `intervalMs must be a positive integer, got ${intervalMs}`);
    if (groupBy !== 'path' && !(groupBy in GROUP_SQL)) throw new StoreError('invalid_argument', `cannot count verdicts by ${JSON.stringify(groupBy)}`);
    if (status !== undefined && !Number.isSafeInteger(status)) throw new StoreError('invalid_argument', `status must be an integer, got ${status}`);
    let sqlWhere = `first_seen >= ? AND first_seen < ?${status === undefined ? '' : ' AND status = ?'}`;
    const params: Array<number | string> = status === undefined ? [sinceMs, untilMs] : [sinceMs, untilMs, status];
    for (const [field, value] of Object.entries(where)) {
      if (value === undefined || field === 'path') continue;
      if (!(field in GROUP_SQL)) throw new StoreError('invalid_argument', `cannot filter verdicts by ${JSON.stringify(field)}`);
      // The same folding as the keys below: NULL and '' are `unknown`.
      sqlWhere += ` AND COALESCE(NULLIF(CAST(${GROUP_SQL[field as keyof typeof GROUP_SQL]} AS TEXT), ''), 'unknown') = ?`;
      params.push(value);
    }
    // The route is folded in JS (few distinct raw paths per bucket), so grouping or filtering by it reads method and path.
    const needPath = groupBy === 'path' || where.path !== undefined;
    const keySql = groupBy === 'path' ? 'NULL' : GROUP_SQL[groupBy];
    const raw = this.db
      .prepare(
        `SELECT (first_seen - ((first_seen % ?) + ?) % ?) AS bucket, ${keySql} AS key${needPath ? `, json_extract(doc, '$.request.method') AS method, json_extract(doc, '$.request.path') AS path` : ''},
           COUNT(*) AS count FROM traces WHERE ${sqlWhere} GROUP BY bucket, key${needPath ? ', method, path' : ''}`,
      )
      .all(intervalMs, intervalMs, intervalMs, ...params) as Array<{ bucket: number; key: string | null; method?: string | null; path?: string | null; count: number }>;
    // Several raw keys (NULL and '', raw paths of one route) fold to one key: merge them.
    const merged = new Map<string, VerdictCountRow & { ms: number }>();
    for (const r of raw) {
      const route = needPath ? foldRoute(r.method ?? null, r.path ?? null) : undefined;
      if (where.path !== undefined && route !== where.path) continue;
      const k = groupBy === 'path' ? route : r.key;
      const key = k === null || k === undefined || k === '' ? 'unknown' : String(k);
      const id = `${r.bucket}\u0000${key}`;
      const row = merged.get(id);
      if (row) row.count += r.count;
      else merged.set(id, { ms: r.bucket, bucket: msToIso(r.bucket), key, count: r.count });
    }
    return [...merged.values()]
      .sort((a, b) => a.ms - b.ms || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ bucket: b, key, count }) => ({ bucket: b, key, count }));
  }
}

/** A verdict's route key: `METHOD /route/{id}` (ids folded, as `denytrace report` shows it), `unknown` without a path. */
export function foldRoute(method: string | null, path: string | null): string {
  return path ? `${method ?? ''} ${routeTemplate(path)}`.trim() : 'unknown';
}

/** Sorted unique window starts; a non-integer start is a caller bug. */
function uniqueWindows(windows: readonly number[]): number[] {
  for (const w of windows) if (!Number.isSafeInteger(w)) throw new StoreError('invalid_argument', `window start must be an integer epoch ms, got ${w}`);
  return [...new Set(windows)].sort((a, b) => a - b);
}
