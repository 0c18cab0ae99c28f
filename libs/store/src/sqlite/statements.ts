import type Database from 'better-sqlite3';

/** The prepared statements of `SqliteEventStore` (events, ids, counters, quarantine, file state), prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    insertEvent: db.prepare(
      `INSERT OR IGNORE INTO events (id, ts, dataset, layer, status, decision, action, rule_id, country, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertEventId: db.prepare('INSERT OR IGNORE INTO event_ids (cid, event_rowid) VALUES (?, ?)'),
    upsertCounter: db.prepare(
      `INSERT INTO counters (minute, dataset, layer, status, method_class, country, count) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (minute, dataset, layer, status, method_class, country) DO UPDATE SET count = count + excluded.count`,
    ),
    insertQuarantine: db.prepare(
      `INSERT OR IGNORE INTO quarantine (key, source_file, line, reason, detail, raw, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getFileState: db.prepare('SELECT fingerprint, path, lines, bytes, format, updated_at FROM file_state WHERE fingerprint = ?'),
    setFileState: db.prepare(
      'INSERT OR REPLACE INTO file_state (fingerprint, path, lines, bytes, format, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    rangeFirst: db.prepare('SELECT rowid, ts, doc FROM events WHERE ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?'),
    rangeNext: db.prepare('SELECT rowid, ts, doc FROM events WHERE (ts, rowid) > (?, ?) AND ts < ? ORDER BY ts, rowid LIMIT ?'),
    timeBounds: db.prepare('SELECT MIN(ts) AS first, MAX(ts) AS last FROM events'),
    coverage: db.prepare(
      `SELECT dataset, layer, MIN(minute) AS first_minute, MAX(minute) AS last_minute, SUM(count) AS records
       FROM counters WHERE minute >= ? AND minute < ? GROUP BY dataset, layer ORDER BY dataset, layer`,
    ),
  };
}

/** Creates `dir` when missing; a `StoreError('unusable_data_dir')` naming it when that fails or it is not a directory. */
