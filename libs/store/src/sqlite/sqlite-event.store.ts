import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { hasRefusalMark, type DeliveryRecord, type DenyEvent, type Deploy, type Spike, type Verdict, type WebhookSubscription } from '@denytrace/schema';
import type { DeployFilter, DimensionCounterRow, SpikeFilter } from '../detection-store';
import type {
  CounterColumn, CounterRow, DatasetCoverage, EventStore, FileState, QuarantinedRecord, QuarantineFilter, QuarantineRow, Retention, TraceFilter,
  VerdictCountFilter, VerdictCountRow, WindowVersion, WriteBatch,
} from '../event-store';
import { StoreError } from '../store-error';
import { isoToMs, msToIso } from '../time-range';
import { MAX_QUARANTINE_DETAIL_CHARS, MAX_QUARANTINE_RAW_CHARS, SCHEMA_SQL, SCHEMA_VERSION } from './schema.sql';
import { SqliteDetectionRows } from './detection-rows';
import { prepareStatements } from './statements';
import { SqliteTraceRows } from './trace-rows';
import { SqliteWindowRows, type VerdictGroup } from './window-rows';

/** Options of {@link SqliteEventStore.open}. */
export interface SqliteStoreOptions {
  /** Directory holding `events.db`; created (with parents) when missing. */
  dataDir: string;
  /** `refusals` (default): `bulkInsert` skips events without a refusal mark; `all`: keeps every event. */
  retention?: Retention;
  /** Events read per page by `eventsInRange` (default 1000). */
  pageSize?: number;
  /** How long a write waits for another connection's lock, ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Columns `counterTotals` may group by (a whitelist: they are spliced into SQL). */
const GROUP_COLUMNS: ReadonlySet<string> = new Set(['minute', 'dataset', 'layer', 'status', 'method_class', 'country']);
/** Bound parameters per `IN (…)` chunk, well under SQLite's limit. */
const ID_CHUNK = 500;
const MINUTE_MS = 60_000;

type EventRow = { rowid: number; ts: number; doc: string };

/**
 * The embedded `EventStore` (DESIGN.md "Storage"): one SQLite file, `<dataDir>/events.db`, opened
 * with WAL, `synchronous=NORMAL` and a busy timeout, schema version in `PRAGMA user_version`.
 * Each write call is one transaction over statements prepared once. Events are stored as JSON with
 * the queried fields as columns (`ts` epoch ms UTC); correlation ids go to `event_ids`. Verdicts
 * live in `traces`/`trace_ids` (see trace-rows.ts), re-decision window versions in `windows`
 * (see window-rows.ts). An older schema is migrated at open (schema.sql.ts). better-sqlite3 is synchronous: the async
 * methods resolve after the work is done. Throws {@link StoreError}.
 */
export class SqliteEventStore implements EventStore {
  /** Absolute path of `events.db`. */
  readonly file: string;
  readonly retention: Retention;
  private readonly pageSize: number;
  private readonly traces: SqliteTraceRows;
  private readonly windows: SqliteWindowRows;
  private readonly detection: SqliteDetectionRows;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly byIdStatements = new Map<number, Database.Statement<unknown[], EventRow>>();

  private constructor(private readonly db: Database.Database, file: string, options: SqliteStoreOptions) {
    this.file = file;
    this.retention = options.retention ?? 'refusals';
    this.pageSize = Math.max(1, options.pageSize ?? 1000);
    this.stmt = prepareStatements(db);
    this.traces = new SqliteTraceRows(db);
    this.windows = new SqliteWindowRows(db, this.traces);
    this.detection = new SqliteDetectionRows(db);
  }

  /**
   * Opens (creating when missing) `<dataDir>/events.db`. Throws `StoreError('unusable_data_dir')`
   * when the directory cannot be created or written, `StoreError('corrupt')` when the file is not a
   * SQLite database or has a newer schema; the message names the path.
   */
  static open(options: SqliteStoreOptions): SqliteEventStore {
    const dir = path.resolve(options.dataDir);
    ensureDirectory(dir);
    const file = path.join(dir, 'events.db');
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreError('corrupt', `${file} has schema version ${version}, newer than this denytrace's ${SCHEMA_VERSION}`);
      }
      const conn = db;
      // Only a new or older file is written at open: a store opened by a reader while `serve` writes
      // must not need the write lock. BEGIN IMMEDIATE waits on the busy timeout instead of failing
      // with SQLITE_BUSY when it would have to upgrade a read transaction.
      if (version < SCHEMA_VERSION) {
        conn.transaction(() => {
          conn.exec(SCHEMA_SQL);
          conn.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
      return new SqliteEventStore(conn, file, options);
    } catch (err) {
      db?.close();
      throw openError(file, err);
    }
  }

  async bulkInsert(events: readonly DenyEvent[]): Promise<{ inserted: number; duplicates: number; skipped: number }> {
    const db = this.conn();
    return db.transaction(() => this.insertEvents(events))();
  }

  async addCounters(rows: readonly CounterRow[], dimensions: readonly DimensionCounterRow[] = []): Promise<void> {
    const db = this.conn();
    db.transaction(() => {
      this.upsertCounters(rows);
      this.detection.upsertDimensionCounters(dimensions);
    })();
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    const db = this.conn();
    db.transaction(() => this.insertQuarantine(rows, Date.now()))();
  }

  /**
   * Counters, quarantined lines, events (retention as in `bulkInsert`) and the file state in ONE
   * transaction: when any row is invalid (an event whose `@timestamp` is not a time), the whole
   * batch is rolled back and the `StoreError` rethrown.
   */
  async writeBatch(batch: WriteBatch): Promise<{ inserted: number; duplicates: number; skipped: number; windows: WindowVersion[] }> {
    const db = this.conn();
    const now = Date.now();
    return db.transaction(() => {
      this.upsertCounters(batch.counters);
      if (batch.dimension_counters) this.detection.upsertDimensionCounters(batch.dimension_counters);
      this.insertQuarantine(batch.quarantine, now);
      const result = this.insertEvents(batch.events);
      const s = batch.fileState;
      if (s) this.stmt.setFileState.run(s.fingerprint, s.path, s.lines, s.bytes, s.format, s.updated_at);
      // Nested: better-sqlite3 runs it as a savepoint of this transaction.
      const windows = batch.windows?.length ? this.windows.touchAll(batch.windows) : [];
      return { ...result, windows };
    })();
  }

  /** Inserts events (call inside a transaction): refusal-marked only unless retention is `all`, duplicates by event.id skipped. */
  private insertEvents(events: readonly DenyEvent[]): { inserted: number; duplicates: number; skipped: number } {
    const { insertEvent, insertEventId } = this.stmt;
    const keepAll = this.retention === 'all';
    let inserted = 0;
    let duplicates = 0;
    let skipped = 0;
    for (const e of events) {
      if (!keepAll && !hasRefusalMark(e)) { skipped++; continue; }
      const ts = isoToMs(e['@timestamp'], `event ${e.event.id} @timestamp`);
      const info = insertEvent.run(
        e.event.id, ts, e.event.dataset, e.denytrace.layer, e.http?.response?.status_code ?? null,
        e.denytrace.decision, e.event.action ?? null, e.rule?.id ?? null, e.source?.geo?.country_iso_code ?? null,
        JSON.stringify(e),
      );
      if (info.changes === 0) { duplicates++; continue; }
      inserted++;
      for (const cid of e.denytrace.correlation_ids) insertEventId.run(cid, info.lastInsertRowid);
    }
    return { inserted, duplicates, skipped };
  }

  /** Adds counter rows, minute floored to the UTC minute (call inside a transaction). */
  private upsertCounters(rows: readonly CounterRow[]): void {
    const { upsertCounter } = this.stmt;
    for (const r of rows) {
      const minute = r.minute - (((r.minute % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
      upsertCounter.run(minute, r.dataset, r.layer, r.status, r.method_class, r.country, r.count);
    }
  }

  /** Keeps rejected records once each, raw and detail bounded (call inside a transaction). */
  private insertQuarantine(rows: readonly QuarantineRow[], now: number): void {
    const { insertQuarantine } = this.stmt;
    for (const r of rows) {
      const raw = r.raw.length > MAX_QUARANTINE_RAW_CHARS ? r.raw.slice(0, MAX_QUARANTINE_RAW_CHARS) : r.raw;
      const key = createHash('sha1').update(`${r.source_file}\n${r.line}\n${r.reason}\n`).update(raw).digest('base64url');
      insertQuarantine.run(key, r.source_file, r.line, r.reason, r.detail.slice(0, MAX_QUARANTINE_DETAIL_CHARS), raw, now);
    }
  }

  async listQuarantine(filter: QuarantineFilter): Promise<{ items: QuarantinedRecord[]; next_cursor: string | null }> {
    const db = this.conn();
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 1000);
    let after = 0;
    if (filter.cursor !== undefined) {
      after = Number(Buffer.from(filter.cursor, 'base64url').toString());
      if (!Number.isSafeInteger(after) || after < 0) throw new StoreError('invalid_argument', `invalid quarantine cursor "${filter.cursor}"`);
    }
    const where = ['rowid > ?'];
    const args: Array<string | number> = [after];
    if (filter.source_file !== undefined) {
      where.push('source_file = ?');
      args.push(filter.source_file);
    }
    if (filter.reason !== undefined) {
      where.push('reason = ?');
      args.push(filter.reason);
    }
    const rows = db
      .prepare(`SELECT rowid AS id, source_file, line, reason, detail, raw, created_at FROM quarantine WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`)
      .all(...args, limit + 1) as Array<QuarantineRow & { id: number; created_at: number }>;
    const page = rows.slice(0, limit);
    return {
      items: page.map(({ created_at, ...r }) => ({ ...r, rejected_at: new Date(created_at).toISOString() })),
      next_cursor: rows.length > limit ? Buffer.from(String(page[page.length - 1].id)).toString('base64url') : null,
    };
  }

  async quarantineCounts(): Promise<Array<{ source_file: string; reason: string; count: number }>> {
    return this.conn().prepare('SELECT source_file, reason, COUNT(*) AS count FROM quarantine GROUP BY source_file, reason ORDER BY source_file, reason').all() as Array<{ source_file: string; reason: string; count: number }>;
  }

  async getFileState(fingerprint: string): Promise<FileState | undefined> {
    this.conn();
    return this.stmt.getFileState.get(fingerprint) as FileState | undefined;
  }

  async setFileState(s: FileState): Promise<void> {
    this.conn();
    this.stmt.setFileState.run(s.fingerprint, s.path, s.lines, s.bytes, s.format, s.updated_at);
  }

  async eventsByCorrelationIds(ids: readonly string[]): Promise<DenyEvent[]> {
    const db = this.conn();
    const unique = [...new Set(ids)];
    const found = new Map<number, EventRow>();
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const chunk = unique.slice(i, i + ID_CHUNK);
      let stmt = this.byIdStatements.get(chunk.length);
      if (!stmt) {
        stmt = db.prepare<unknown[], EventRow>(
          `SELECT DISTINCT e.rowid AS rowid, e.ts AS ts, e.doc AS doc FROM event_ids i JOIN events e ON e.rowid = i.event_rowid
           WHERE i.cid IN (${chunk.map(() => '?').join(',')})`,
        );
        this.byIdStatements.set(chunk.length, stmt);
      }
      for (const row of stmt.all(...chunk)) found.set(row.rowid, row);
    }
    return [...found.values()].sort((a, b) => a.ts - b.ts || a.rowid - b.rowid).map((r) => JSON.parse(r.doc) as DenyEvent);
  }

  /** Pages of {@link SqliteStoreOptions.pageSize} by keyset on (ts, rowid): memory does not grow with the range. */
  async *eventsInRange(since: string, until: string): AsyncIterable<DenyEvent> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.conn();
    let rows = this.stmt.rangeFirst.all(sinceMs, untilMs, this.pageSize) as EventRow[];
    while (rows.length > 0) {
      for (const r of rows) yield JSON.parse(r.doc) as DenyEvent;
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1];
      this.conn();
      rows = this.stmt.rangeNext.all(last.ts, last.rowid, untilMs, this.pageSize) as EventRow[];
    }
  }

  async eventTimeBounds(): Promise<{ first: string; last: string } | undefined> {
    this.conn();
    const row = this.stmt.timeBounds.get() as { first: number | null; last: number | null };
    return row.first === null || row.last === null ? undefined : { first: msToIso(row.first), last: msToIso(row.last) };
  }

  async replaceTraces(since: string, until: string, verdicts: readonly Verdict[]): Promise<void> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.conn();
    this.traces.replace(sinceMs, untilMs, verdicts);
  }

  async getTrace(idOrCorrelationId: string): Promise<Verdict | undefined> {
    this.conn();
    return this.traces.get(idOrCorrelationId);
  }

  async listTraces(filter: TraceFilter): Promise<{ items: Verdict[]; next_cursor: string | null }> {
    this.conn();
    return this.traces.list(filter);
  }

  async touchWindows(windows: readonly number[]): Promise<WindowVersion[]> {
    this.conn();
    return this.windows.touchAll(windows);
  }

  async windowVersions(windows: readonly number[]): Promise<WindowVersion[]> {
    this.conn();
    return this.windows.versions(windows);
  }

  async staleWindows(limit: number): Promise<WindowVersion[]> {
    this.conn();
    return this.windows.staleWindows(limit);
  }

  async replaceTracesIfCurrent(window: number, windowMs: number, version: number, verdicts: readonly Verdict[]): Promise<boolean> {
    this.conn();
    return this.windows.replaceIfCurrent(window, windowMs, version, verdicts);
  }

  /** See {@link SqliteWindowRows.counts} for buckets, keys and order. */
  async verdictCounts(q: { since: string; until: string; groupBy: VerdictGroup; intervalMs: number; status?: number; where?: VerdictCountFilter }): Promise<VerdictCountRow[]> {
    const sinceMs = isoToMs(q.since, 'since');
    const untilMs = isoToMs(q.until, 'until');
    this.conn();
    return this.windows.counts({ sinceMs, untilMs, groupBy: q.groupBy, intervalMs: q.intervalMs, status: q.status, where: q.where });
  }

  /** Counter rows whose minute is in [since, until), summed per dataset and layer, ordered by dataset. */
  async coverage(since: string, until: string): Promise<DatasetCoverage[]> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.conn();
    return this.stmt.coverage.all(sinceMs, untilMs) as DatasetCoverage[];
  }

  /** Counter rows whose minute is in [since, until), summed as `count` per value of the `groupBy` columns (ordered by them). */
  async counterTotals(
    since: string, until: string, groupBy: ReadonlyArray<CounterColumn>,
  ): Promise<Array<Record<string, string | number>>> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    const cols = [...new Set(groupBy)];
    for (const c of cols) if (!GROUP_COLUMNS.has(c)) throw new StoreError('invalid_argument', `cannot group counters by ${JSON.stringify(c)}`);
    const db = this.conn();
    const list = cols.join(', ');
    const sql = cols.length
      ? `SELECT ${list}, SUM(count) AS count FROM counters WHERE minute >= ? AND minute < ? GROUP BY ${list} ORDER BY ${list}`
      : 'SELECT COALESCE(SUM(count), 0) AS count FROM counters WHERE minute >= ? AND minute < ?';
    return db.prepare(sql).all(sinceMs, untilMs) as Array<Record<string, string | number>>;
  }

  /** Closes the database; a second call does nothing. Later calls on the store throw `StoreError('closed')`. */
  // Spike detection, deploys and alerts: see detection-rows.ts.
  dimensionCounts(since: number, until: number): Promise<DimensionCounterRow[]> { return this.guard().dimensionCounts(since, until); }
  async *tracesInRange(since: string, until: string, opts: { status?: number } = {}): AsyncIterable<Verdict> {
    yield* this.guard().tracesInRangeSync(isoToMs(since, 'since'), isoToMs(until, 'until'), opts.status);
  }
  recordDeploys(d: readonly Deploy[]): Promise<{ inserted: number; updated: number }> { return this.guard().recordDeploys(d); }
  listDeploys(f: DeployFilter): Promise<Deploy[]> { return this.guard().listDeploys(f); }
  upsertSpikes(spikes: readonly Spike[]): Promise<void> { return this.guard().upsertSpikes(spikes); }
  getSpike(id: string): Promise<Spike | undefined> { return this.guard().getSpike(id); }
  listSpikes(f: SpikeFilter): Promise<{ items: Spike[]; next_cursor: string | null }> { return this.guard().listSpikes(f); }
  createWebhook(w: WebhookSubscription): Promise<void> { return this.guard().createWebhook(w); }
  listWebhooks(): Promise<WebhookSubscription[]> { return this.guard().listWebhooks(); }
  getWebhook(id: string): Promise<WebhookSubscription | undefined> { return this.guard().getWebhook(id); }
  deleteWebhook(id: string): Promise<boolean> { return this.guard().deleteWebhook(id); }
  claimNotification(spikeId: string, webhookId: string, event: 'firing' | 'resolved'): Promise<boolean> { return this.guard().claimNotification(spikeId, webhookId, event); }
  recordDelivery(d: DeliveryRecord): Promise<void> { return this.guard().recordDelivery(d); }
  listDeliveries(webhookId: string, limit?: number): Promise<DeliveryRecord[]> { return this.guard().listDeliveries(webhookId, limit); }

  /** The detection rows, after checking the store is open. */
  private guard(): SqliteDetectionRows {
    this.conn();
    return this.detection;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private conn(): Database.Database {
    if (!this.db.open) throw new StoreError('closed', `the store at ${this.file} is closed`);
    return this.db;
  }
}

function ensureDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a directory' : `cannot be created (${code ?? String(err)})`;
    throw new StoreError('unusable_data_dir', `data dir ${dir} ${why}`, { cause: err });
  }
  if (!fs.statSync(dir).isDirectory()) throw new StoreError('unusable_data_dir', `data dir ${dir} is not a directory`);
}

/** Maps a driver error at open to a StoreError naming the file. */
function openError(file: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string }).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('corrupt', `${file} is not a SQLite database or is corrupt (${msg})`, { cause: err });
  }
  return new StoreError('unusable_data_dir', `cannot open ${file} for writing (${code || msg})`, { cause: err });
}
