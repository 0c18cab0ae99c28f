import type { DenyEvent, Layer, Verdict } from '@denytrace/schema';
import type { DetectionStore, DimensionCounterRow } from './detection-store';

/** How much the store keeps: only events with a refusal mark (default) or every event. */
export type Retention = 'refusals' | 'all';

/**
 * One per-minute counter row: how many requests a layer saw in one UTC minute, split by the
 * dimensions spikes use. These are the denominators of deny ratios. `count` adds up on conflict.
 */
export interface CounterRow {
  /** Start of the UTC minute, epoch ms. */
  minute: number;
  dataset: string;
  layer: Layer;
  /** HTTP status the layer logged, 0 when none. */
  status: number;
  /** `read` (GET/HEAD/OPTIONS), `write` (POST/PUT/PATCH/DELETE) or `other`. */
  method_class: 'read' | 'write' | 'other';
  /** ISO 3166 country, '' when unknown. */
  country: string;
  count: number;
}

/** Columns `counterTotals` may group by. */
export type CounterColumn = 'minute' | 'dataset' | 'layer' | 'status' | 'method_class' | 'country';

/** A rejected record kept for inspection: file, 1-based line, reason, and the raw text (bounded). */
export interface QuarantineRow {
  source_file: string;
  line: number;
  reason: string;
  detail: string;
  raw: string;
}

/** A quarantined record as read back: the row plus its id and when it was rejected (ISO-8601 UTC). */
export interface QuarantinedRecord extends QuarantineRow {
  id: number;
  rejected_at: string;
}

/** Filter for reading the quarantine: exact file, exact reason; oldest first. */
export interface QuarantineFilter {
  source_file?: string;
  reason?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** Everything one ingest request or batch writes, applied in one transaction (nothing half-written). */
export interface WriteBatch {
  events: readonly DenyEvent[];
  counters: readonly CounterRow[];
  /** Request counts by spike dimension (see `DimensionCounters` in `@denytrace/ingest`). */
  dimension_counters?: readonly DimensionCounterRow[];
  quarantine: readonly QuarantineRow[];
  /** File state to record with the same transaction (a tailer's offset), if any. */
  fileState?: FileState;
  /**
   * Re-decision windows these events may change (see `windowsForTimestamps` in `@denytrace/queue`):
   * touched in the same transaction, so a crash can never store events without marking their windows.
   */
  windows?: readonly number[];
}

/** Verdict counts for dashboards: one row per time bucket and group value. */
export interface VerdictCountRow {
  /** Start of the bucket, ISO-8601 UTC. */
  bucket: string;
  /** The group's value (`waf`, a rule id, a country, a network, a route); `unknown` when absent. */
  key: string;
  count: number;
}

/** What `verdictCounts` can group and filter verdicts by. */
export type VerdictCountGroup = 'layer' | 'rule' | 'country' | 'network' | 'path';

/**
 * Only verdicts whose key equals the given value, for each group named (all must hold): the same
 * keys `verdictCounts` returns, so `unknown` matches an absent key and `path` is the folded
 * `METHOD /route/{id}`. Lets a dashboard click a rule, country, network or route to filter.
 */
export type VerdictCountFilter = Partial<Record<VerdictCountGroup, string>>;

/** How far the verdicts of one re-decision window are behind its events. */
export interface WindowVersion {
  /** Window start, epoch ms (windows are aligned to their width). */
  window: number;
  /** Bumped each time events that may change this window's verdicts are written. */
  version: number;
  /** The version the stored verdicts were decided from; -1 when never decided. */
  decided_version: number;
}

/** What the store remembers of a file it read: its fingerprint and how far it got. */
export interface FileState {
  /** Fingerprint of the file's first bytes (see ingest/fingerprint.ts). */
  fingerprint: string;
  path: string;
  /** Number of physical lines already read and accounted for. */
  lines: number;
  /** Bytes of (decompressed) input already read. */
  bytes: number;
  format: string | null;
  updated_at: string;
}

/** Filter for listing verdicts. Times are ISO-8601 UTC; `since` inclusive, `until` exclusive. */
export interface TraceFilter {
  status?: number;
  layer?: Layer;
  rule?: string;
  since?: string;
  until?: string;
  /** Default 100. */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** How much of each dataset was ingested for a time range: proof that a layer's log exists. */
export interface DatasetCoverage {
  dataset: string;
  layer: Layer;
  /** First and last minute with any counted record, epoch ms. */
  first_minute: number;
  last_minute: number;
  records: number;
}

/**
 * The one storage interface (DESIGN.md "Storage"). SQLite is the embedded default, Elasticsearch
 * the production store; both pass `store.suite.ts`. All methods are async; the SQLite one is
 * synchronous underneath.
 */
export interface EventStore extends DetectionStore {
  /** Writes events; an event whose `event.id` is already stored is skipped. Returns how many were new. */
  bulkInsert(events: readonly DenyEvent[]): Promise<{ inserted: number; duplicates: number }>;
  /** Adds counter rows and dimension counter rows (count += on the same key). */
  addCounters(rows: readonly CounterRow[], dimensions?: readonly DimensionCounterRow[]): Promise<void>;
  /** Keeps rejected records (the same file, line, reason and text once). */
  quarantine(rows: readonly QuarantineRow[]): Promise<void>;
  /** Reads the quarantine back, oldest first, paged. */
  listQuarantine(filter: QuarantineFilter): Promise<{ items: QuarantinedRecord[]; next_cursor: string | null }>;
  /** How many records are quarantined, by file and reason. */
  quarantineCounts(): Promise<Array<{ source_file: string; reason: string; count: number }>>;
  /** Writes events, counters, quarantined lines, optionally a file state, and touches windows, in one transaction; returns the touched windows' versions. */
  writeBatch(batch: WriteBatch): Promise<{ inserted: number; duplicates: number; windows: WindowVersion[] }>;
  getFileState(fingerprint: string): Promise<FileState | undefined>;
  setFileState(state: FileState): Promise<void>;

  /** Every stored event that carries any of these correlation ids. */
  eventsByCorrelationIds(ids: readonly string[]): Promise<DenyEvent[]>;
  /** Stored events with `@timestamp` in [since, until), ordered by time; streamed in pages. */
  eventsInRange(since: string, until: string): AsyncIterable<DenyEvent>;
  /** First and last stored event time, or undefined when empty. */
  eventTimeBounds(): Promise<{ first: string; last: string } | undefined>;

  /** Replaces every verdict whose first_seen lies in [since, until) with these (a re-decision of that window). */
  replaceTraces(since: string, until: string, verdicts: readonly Verdict[]): Promise<void>;
  /** The verdict of the trace holding this correlation id (`kind:value`), or whose trace_id it is. */
  getTrace(idOrCorrelationId: string): Promise<Verdict | undefined>;
  /** Verdicts, newest first, paged. */
  listTraces(filter: TraceFilter): Promise<{ items: Verdict[]; next_cursor: string | null }>;

  /**
   * Marks re-decision windows as changed (version += 1) and returns their versions. Ingest calls it
   * after writing events, for every window whose verdicts the events may change.
   * @param windows window starts, epoch ms
   */
  touchWindows(windows: readonly number[]): Promise<WindowVersion[]>;
  /** The version of each window (absent windows: version 0, decided_version -1). */
  windowVersions(windows: readonly number[]): Promise<WindowVersion[]>;
  /** Windows whose verdicts are behind their events (decided_version < version), oldest first. */
  staleWindows(limit: number): Promise<WindowVersion[]>;
  /**
   * `replaceTraces` for one window, applied only if the window's version is still `version` (compare
   * and set in one transaction); then records `decided_version = version`. Returns false, writing
   * nothing, when newer events arrived meanwhile (their own job will decide). Two workers deciding
   * the same version write the same verdicts; an older decision never overwrites a newer one.
   */
  replaceTracesIfCurrent(window: number, windowMs: number, version: number, verdicts: readonly Verdict[]): Promise<boolean>;
  /**
   * Verdicts counted by `groupBy` in time buckets of `intervalMs`, over first_seen in [since, until),
   * optionally for one status and only verdicts matching `where`. `network` is the client network,
   * `path` the route (ids folded).
   */
  verdictCounts(q: { since: string; until: string; groupBy: VerdictCountGroup; intervalMs: number; status?: number; where?: VerdictCountFilter }): Promise<VerdictCountRow[]>;

  /** Per-dataset coverage in [since, until) from the counters. */
  coverage(since: string, until: string): Promise<DatasetCoverage[]>;
  /**
   * Summed counters in [since, until) grouped by the given columns (`minute`: the UTC minute, epoch
   * ms, so a chart can divide its buckets' 403s by the requests counted in them).
   */
  counterTotals(since: string, until: string, groupBy: ReadonlyArray<CounterColumn>): Promise<Array<Record<string, string | number>>>;

  close(): Promise<void>;
}
