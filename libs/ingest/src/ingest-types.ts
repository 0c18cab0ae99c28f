import type { ParserOptions } from '@denytrace/parsers';
import type { EventStore, Retention } from '@denytrace/store';
import type { NetworkTable } from '@denytrace/network';
import type { FormatRegistry } from './format-registry';

/** What ingest needs from outside: the store, optionally the user's network table and a format registry. */
export interface IngestDeps {
  store: EventStore;
  /** Enriches `source.geo` and `source.as.organization.name` where the table knows `source.ip`. */
  network?: NetworkTable;
  /** Defaults to the registry of `@denytrace/parsers`. */
  formats?: FormatRegistry;
}

/** Progress of one file: `bytes` of `totalBytes` read from disk (compressed bytes for gzip), physical `lines` read. */
export interface IngestProgress {
  bytes: number;
  totalBytes: number;
  lines: number;
}

export interface IngestOptions {
  /** A `--format` name; detected from the first ≤ 20 non-blank lines when absent. */
  format?: string;
  /** Longest line accepted in bytes (default 65536); longer lines are rejected `line_too_long`. */
  maxLineBytes?: number;
  parserOptions?: ParserOptions;
  /** `refusals` (default): store only events with a refusal mark; `all`: store every event. Every event is counted either way. */
  retention?: Retention;
  /** Events (and quarantined lines) per store write; counters are flushed at the same time. Default 5000. */
  batchSize?: number;
  onProgress?: (p: IngestProgress) => void;
  /**
   * When no format is given, remembered or detected: stop reading and report the file as
   * `skipped: 'unknown_format'` (nothing counted, quarantined or remembered) instead of quarantining
   * its lines. `ingestPaths` sets it for files found by expanding a folder (a README, a CSV, a binary).
   */
  skipUnknownFormat?: boolean;
}

/** Why a file was not read at all: `unknown_format` = found in a folder, and no format matched its first lines. */
export type SkipReason = 'unknown_format';

/** What one ingest of one file did. Counts cover this run only (a resumed file counts its new lines). */
export interface FileSummary {
  file: string;
  /** Format name used, or null when none was detected. */
  format: string | null;
  /** Records parsed into events. */
  records: number;
  /** Events newly written to the store. */
  stored: number;
  /** Events the store already held (same `event.id`). */
  duplicates: number;
  /** Records with HTTP status 403. */
  refusals: number;
  /** Lines rejected (reader and parser), each counted once under its reason in `rejected_by_reason`. */
  rejected: number;
  rejected_by_reason: Record<string, number>;
  /** Format drift: records per `dataset/field` that carried a field the parser did not know (see format-drift.ts). */
  unknown_fields: Record<string, number>;
  /** Lines that gave neither a record nor an error: blank lines, headers, comments. */
  skipped_lines: number;
  /** Set when the file was not read at all (see {@link IngestOptions.skipUnknownFormat}); null otherwise. */
  skipped: SkipReason | null;
  /** True when the store already knew this content (same fingerprint) and no new line was found. */
  already_ingested: boolean;
  /** Earliest and latest `@timestamp` among this run's records (ISO-8601 UTC), null when none. */
  first_event: string | null;
  last_event: string | null;
  /** Physical lines the store had accounted for before this run (0 for a new file). */
  resumed_from_line: number;
}

/** A usage error of ingest itself (e.g. an unknown `--format` name); per-line problems never throw. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
}
