/**
 * The SQLite schema of `events.db` (DESIGN.md "Storage"). Every statement is idempotent
 * (`IF NOT EXISTS`), so it runs at each open; `PRAGMA user_version` holds {@link SCHEMA_VERSION}.
 *
 * Times are epoch milliseconds (UTC) in INTEGER columns; whole documents are JSON text.
 * Indexes are kept to what lookups need, because every index on a random key (event id,
 * correlation id) slows the insert path (DESIGN.md "Measured on these machines").
 */
export const SCHEMA_VERSION = 3;

/**
 * Schema history. A file of an older version is migrated at open by running {@link SCHEMA_SQL}
 * (every change so far only adds tables and indexes) and then setting `user_version`.
 * - 1: events, event_ids, counters, quarantine, file_state, traces, trace_ids.
 * - 2: `windows` (re-decision window versions, for the service's correlate worker).
 * - 3: `dim_counters`, `deploys`, `spikes`, `webhooks`, `notifications`, `deliveries` (spike detection and alerts).
 */
export const SCHEMA_HISTORY = [1, 2, 3] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  rowid    INTEGER PRIMARY KEY,
  id       TEXT    NOT NULL UNIQUE,  -- event.id; INSERT OR IGNORE on it makes re-ingest a no-op
  ts       INTEGER NOT NULL,         -- @timestamp, epoch ms UTC
  dataset  TEXT    NOT NULL,         -- event.dataset
  layer    TEXT    NOT NULL,         -- denytrace.layer
  status   INTEGER,                  -- http.response.status_code
  decision TEXT    NOT NULL,         -- denytrace.decision
  action   TEXT,                     -- event.action
  rule_id  TEXT,                     -- rule.id
  country  TEXT,                     -- source.geo.country_iso_code
  doc      TEXT    NOT NULL          -- the whole DenyEvent as JSON
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);  -- (ts, rowid): range streaming order

-- One row per (correlation id, event); the primary key doubles as the index on cid.
CREATE TABLE IF NOT EXISTS event_ids (
  cid         TEXT    NOT NULL,
  event_rowid INTEGER NOT NULL,
  PRIMARY KEY (cid, event_rowid)
) WITHOUT ROWID;

-- Per-minute counters: the denominators of deny ratios. count adds up on the key.
CREATE TABLE IF NOT EXISTS counters (
  minute       INTEGER NOT NULL,  -- start of the UTC minute, epoch ms
  dataset      TEXT    NOT NULL,
  layer        TEXT    NOT NULL,
  status       INTEGER NOT NULL,
  method_class TEXT    NOT NULL,
  country      TEXT    NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (minute, dataset, layer, status, method_class, country)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS quarantine (
  rowid       INTEGER PRIMARY KEY,
  key         TEXT    NOT NULL UNIQUE,  -- hash of file, line and raw text: the same rejection is kept once
  source_file TEXT    NOT NULL,
  line        INTEGER NOT NULL,
  reason      TEXT    NOT NULL,
  detail      TEXT    NOT NULL,
  raw         TEXT    NOT NULL,         -- bounded, see MAX_QUARANTINE_RAW_CHARS
  created_at  INTEGER NOT NULL          -- epoch ms UTC
);

CREATE TABLE IF NOT EXISTS file_state (
  fingerprint TEXT    PRIMARY KEY,
  path        TEXT    NOT NULL,
  lines       INTEGER NOT NULL,
  bytes       INTEGER NOT NULL,
  format      TEXT,
  updated_at  TEXT    NOT NULL
) WITHOUT ROWID;

-- Verdicts, one per trace.
CREATE TABLE IF NOT EXISTS traces (
  trace_id       TEXT    PRIMARY KEY,
  first_seen     INTEGER NOT NULL,  -- epoch ms UTC
  status         INTEGER,
  emitting_layer TEXT,
  rule_id        TEXT,              -- decisive_rule.id
  doc            TEXT    NOT NULL   -- the whole Verdict as JSON
);
CREATE INDEX IF NOT EXISTS traces_first_seen ON traces (first_seen, trace_id);

CREATE TABLE IF NOT EXISTS trace_ids (
  cid      TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  PRIMARY KEY (cid, trace_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trace_ids_trace ON trace_ids (trace_id);

-- Re-decision windows (v2): version is bumped when events that may change the window's verdicts
-- are written; decided_version is the version its stored verdicts were decided from (-1: never).
CREATE TABLE IF NOT EXISTS windows (
  window          INTEGER PRIMARY KEY,  -- window start, epoch ms UTC
  version         INTEGER NOT NULL,
  decided_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS windows_stale ON windows (window) WHERE decided_version < version;

-- Request counts by spike dimension (v3), 30 s buckets: denominators of deny ratios by dimension.
CREATE TABLE IF NOT EXISTS dim_counters (
  bucket       INTEGER NOT NULL,  -- bucket start, epoch ms UTC
  dataset      TEXT    NOT NULL,
  dimension    TEXT    NOT NULL,  -- ECS field name
  value        TEXT    NOT NULL,
  method_class TEXT    NOT NULL,
  count        INTEGER NOT NULL,
  ok           INTEGER NOT NULL,  -- of count, answered with a status below 400
  PRIMARY KEY (bucket, dataset, dimension, value, method_class)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deploys (
  id         TEXT    PRIMARY KEY,
  service    TEXT    NOT NULL,
  started_at INTEGER NOT NULL,  -- epoch ms UTC
  doc        TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deploys_started ON deploys (started_at);

CREATE TABLE IF NOT EXISTS spikes (
  id     TEXT    PRIMARY KEY,
  start  INTEGER NOT NULL,  -- epoch ms UTC
  end_at INTEGER,           -- null while firing
  status TEXT    NOT NULL,
  doc    TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS spikes_start ON spikes (start, id);

CREATE TABLE IF NOT EXISTS webhooks (
  id         TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL
) WITHOUT ROWID;

-- What was sent per (spike, webhook): 'firing' then 'resolved', each claimed once.
CREATE TABLE IF NOT EXISTS notifications (
  spike_id   TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  state      TEXT NOT NULL,  -- firing_sent | resolved_sent
  PRIMARY KEY (spike_id, webhook_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deliveries (
  rowid      INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_webhook ON deliveries (webhook_id, rowid);
`;

/** `quarantine.raw` keeps at most this many characters (8 KiB). */
export const MAX_QUARANTINE_RAW_CHARS = 8192;
/** `quarantine.detail` keeps at most this many characters. */
export const MAX_QUARANTINE_DETAIL_CHARS = 1024;
