import type Database from 'better-sqlite3';
import type { Verdict } from '@denytrace/schema';
import type { TraceFilter } from '../event-store';
import { decodeTraceCursor, encodeTraceCursor, traceLimit } from '../trace-cursor';
import { isoToMs } from '../time-range';

/**
 * The verdict tables of `events.db`: `traces` (one row per trace_id: the Verdict as JSON plus
 * status, emitting_layer, decisive rule id and first_seen in epoch ms) and `trace_ids`
 * (correlation id → trace_id). Statements are prepared once and reused. Synchronous; the
 * store wraps it in the async `EventStore` methods.
 */
export class SqliteTraceRows {
  private readonly deleteWindowIds: Database.Statement;
  private readonly deleteWindow: Database.Statement;
  private readonly deleteIdsOf: Database.Statement;
  private readonly upsertTrace: Database.Statement;
  private readonly insertId: Database.Statement;
  private readonly byTraceId: Database.Statement<[string], { doc: string }>;
  private readonly byCid: Database.Statement<[string], { doc: string }>;
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    const window = 'first_seen >= ? AND first_seen < ?';
    this.deleteWindowIds = db.prepare(`DELETE FROM trace_ids WHERE trace_id IN (SELECT trace_id FROM traces WHERE ${window})`);
    this.deleteWindow = db.prepare(`DELETE FROM traces WHERE ${window}`);
    this.deleteIdsOf = db.prepare('DELETE FROM trace_ids WHERE trace_id = ?');
    this.upsertTrace = db.prepare(
      'INSERT OR REPLACE INTO traces (trace_id, first_seen, status, emitting_layer, rule_id, doc) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertId = db.prepare('INSERT OR IGNORE INTO trace_ids (cid, trace_id) VALUES (?, ?)');
    this.byTraceId = db.prepare('SELECT doc FROM traces WHERE trace_id = ?');
    // A reused id may sit in several traces: the one seen last wins, deterministically.
    this.byCid = db.prepare(
      `SELECT t.doc FROM trace_ids i JOIN traces t ON t.trace_id = i.trace_id
       WHERE i.cid = ? ORDER BY t.first_seen DESC, t.trace_id DESC LIMIT 1`,
    );
  }

  /**
   * Deletes the verdicts whose first_seen (epoch ms) is in [sinceMs, untilMs) and writes these,
   * in one transaction. A verdict whose trace_id is stored outside the window is replaced too.
   */
  replace(sinceMs: number, untilMs: number, verdicts: readonly Verdict[]): void {
    const rows = verdicts.map((v) => ({ v, firstSeen: isoToMs(v.first_seen, `verdict ${v.trace_id} first_seen`) }));
    this.db.transaction(() => {
      this.deleteWindowIds.run(sinceMs, untilMs);
      this.deleteWindow.run(sinceMs, untilMs);
      for (const { v, firstSeen } of rows) {
        this.deleteIdsOf.run(v.trace_id);
        this.upsertTrace.run(v.trace_id, firstSeen, v.status, v.emitting_layer, v.decisive_rule?.id ?? null, JSON.stringify(v));
        for (const id of v.correlation_ids) this.insertId.run(id, v.trace_id);
      }
    })();
  }

  /** The verdict whose trace_id this is, else the latest-first_seen verdict holding this correlation id. */
  get(id: string): Verdict | undefined {
    const row = this.byTraceId.get(id) ?? this.byCid.get(id);
    return row ? (JSON.parse(row.doc) as Verdict) : undefined;
  }

  /** One page of verdicts, newest first_seen first (ties by trace_id descending), with the cursor of the next page. */
  list(filter: TraceFilter): { items: Verdict[]; next_cursor: string | null } {
    const limit = traceLimit(filter.limit);
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.status !== undefined) { where.push('status = ?'); params.push(filter.status); }
    if (filter.layer !== undefined) { where.push('emitting_layer = ?'); params.push(filter.layer); }
    if (filter.rule !== undefined) { where.push('rule_id = ?'); params.push(filter.rule); }
    if (filter.since !== undefined) { where.push('first_seen >= ?'); params.push(isoToMs(filter.since, 'since')); }
    if (filter.until !== undefined) { where.push('first_seen < ?'); params.push(isoToMs(filter.until, 'until')); }
    if (filter.cursor !== undefined) {
      const c = decodeTraceCursor(filter.cursor);
      where.push('(first_seen, trace_id) < (?, ?)');
      params.push(c.firstSeenMs, c.traceId);
    }
    const sql = `SELECT first_seen, trace_id, doc FROM traces${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY first_seen DESC, trace_id DESC LIMIT ?`;
    let stmt = this.listStatements.get(sql);
    if (!stmt) { stmt = this.db.prepare(sql); this.listStatements.set(sql, stmt); }
    const rows = stmt.all(...params, limit + 1) as Array<{ first_seen: number; trace_id: string; doc: string }>;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => JSON.parse(r.doc) as Verdict),
      next_cursor: rows.length > limit && last ? encodeTraceCursor({ firstSeenMs: last.first_seen, traceId: last.trace_id }) : null,
    };
  }
}
