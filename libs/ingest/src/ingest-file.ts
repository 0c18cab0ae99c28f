import { stat } from 'node:fs/promises';
import type { LineParser, LogFormat, ParserOptions } from '@denytrace/parsers';
import { hasRefusalMark, MAX_ORIGINAL_CHARS, type DenyEvent } from '@denytrace/schema';
import type { EventStore, QuarantineRow, Retention } from '@denytrace/store';
import type { NetworkTable } from '@denytrace/network';
import { fingerprint } from './fingerprint';
import { parserFormats, type FormatRegistry } from './format-registry';
import { readLineBatches, type LineItem, type ReadSummary } from './line-reader';
import { MinuteCounters } from './minute-counters';

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
}

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
  /** Lines that gave neither a record nor an error: blank lines, headers, comments. */
  skipped_lines: number;
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

const SAMPLE_LINES = 20;
const HASH = 0x23;

/**
 * Ingests one log file (plain or gzip) into the store, following DESIGN.md "Storage":
 * 1. fingerprint the content ({@link fingerprint}); if the store has a `FileState` for it, lines up to
 *    its `lines` are not counted again (header lines starting with `#` are still shown to the parser so
 *    that a CloudFront `#Fields:` header keeps its meaning);
 * 2. pick the format: `opts.format` (unknown name → {@link IngestError} listing the known names), else the
 *    format remembered for this content, else detection on the first ≤ 20 non-blank lines. When nothing
 *    matches, every new line is quarantined once as `unknown_format` and the file is reported, not thrown;
 * 3. parse each line; enrich events from the network table; count every event in per-minute counters;
 *    send events with a refusal mark (every event with retention `all`) to `store.bulkInsert`, rejected
 *    lines to `store.quarantine` (raw text cut to 4096 chars), both in batches of `batchSize`;
 * 4. record the `FileState` (lines and content bytes read) after each flush and at the end.
 *
 * Throws only for usage errors and when the file cannot be opened; bad lines and damaged gzip are reported.
 */
export async function ingestFile(path: string, deps: IngestDeps, opts: IngestOptions = {}): Promise<FileSummary> {
  const registry = deps.formats ?? parserFormats;
  let format: LogFormat | undefined;
  if (opts.format) {
    format = registry.get(opts.format);
    if (!format) throw new IngestError(`unknown format "${opts.format}"; known formats: ${registry.names().join(', ')}`);
  }
  const totalBytes = (await stat(path)).size;
  const fp = await fingerprint(path);
  const state = await deps.store.getFileState(fp);
  if (!format && state?.format) format = registry.get(state.format);
  const run = new FileRun(path, fp, deps, opts, state?.lines ?? 0, registry.names());
  let buffered: LineItem[] | undefined = format ? undefined : [];
  const sample: string[] = [];
  if (format) run.start(format);
  let read: ReadSummary | undefined;
  for await (const batch of readLineBatches(path, {
    maxLineBytes: opts.maxLineBytes,
    startLine: state?.lines ?? 0,
    keepHeaderLines: true,
    onChunk: (bytes, contentBytes) => {
      run.contentBytes = contentBytes;
      opts.onProgress?.({ bytes, totalBytes, lines: run.lastLine });
    },
  })) {
    if (!Array.isArray(batch)) {
      read = batch.summary;
      break;
    }
    if (!buffered) {
      await run.handleAll(batch);
      continue;
    }
    for (const item of batch) {
      buffered.push(item);
      if (item.kind === 'line' && sample.length < SAMPLE_LINES) sample.push(item.text);
    }
    if (sample.length >= SAMPLE_LINES) {
      run.start(registry.detect(sample)?.format);
      await run.handleAll(buffered);
      buffered = undefined;
    }
  }
  if (buffered) {
    run.start(sample.length > 0 ? registry.detect(sample)?.format : undefined);
    await run.handleAll(buffered);
  }
  if (!read) throw new IngestError(`${path}: reading ended without a summary`);
  return run.finish(read);
}

/** The state of one file's ingest: parser, counters and pending writes. */
class FileRun {
  private format: LogFormat | undefined;
  private parser: LineParser | undefined;
  private readonly counters = new MinuteCounters();
  private events: DenyEvent[] = [];
  private rejects: QuarantineRow[] = [];
  private sinceFlush = 0;
  private readonly keepAll: boolean;
  private readonly batchSize: number;
  /** Last physical line handled, and content bytes read so far (for FileState). */
  lastLine = 0;
  contentBytes = 0;
  private readonly s: FileSummary;

  constructor(
    private readonly path: string,
    private readonly fp: string,
    private readonly deps: IngestDeps,
    private readonly opts: IngestOptions,
    private readonly startLine: number,
    private readonly knownFormats: readonly string[],
  ) {
    this.keepAll = opts.retention === 'all';
    this.batchSize = Math.max(1, opts.batchSize ?? 5000);
    this.s = {
      file: path, format: null, records: 0, stored: 0, duplicates: 0, refusals: 0, rejected: 0,
      rejected_by_reason: {}, skipped_lines: 0, already_ingested: false, first_event: null, last_event: null,
      resumed_from_line: startLine,
    };
  }

  start(format: LogFormat | undefined): void {
    this.format = format;
    this.s.format = format?.name ?? null;
    this.parser = format?.createParser({ ...this.opts.parserOptions, sourceName: this.opts.parserOptions?.sourceName ?? this.path });
  }

  async handleAll(items: readonly LineItem[]): Promise<void> {
    for (const item of items) {
      this.handle(item);
      if (this.sinceFlush >= this.batchSize) await this.flush();
    }
  }

  private handle(item: LineItem): void {
    const lineNo = item.lineNo;
    if (lineNo <= this.startLine) {
      // already accounted for; header lines still set up a stateful parser
      if (this.parser && item.kind === 'line' && item.text.charCodeAt(0) === HASH) this.parser.parse(item.text, lineNo);
      return;
    }
    this.lastLine = lineNo;
    if (item.kind === 'error') {
      this.reject(lineNo, item.error.reason, item.error.detail, item.error.raw);
      return;
    }
    if (!this.parser) {
      this.reject(lineNo, 'unknown_format', `no known format matched the first lines of the file (known: ${this.knownFormats.join(', ')})`, item.text);
      return;
    }
    let outcome;
    try {
      outcome = this.parser.parse(item.text, lineNo);
    } catch (err) {
      this.reject(lineNo, 'invalid_field', `${this.format?.name} parser failed: ${err instanceof Error ? err.message : String(err)}`, item.text);
      return;
    }
    if (outcome.kind === 'event') this.event(outcome.event, lineNo);
    else if (outcome.kind === 'skip') this.s.skipped_lines += 1;
    else this.reject(lineNo, outcome.reason, outcome.detail, item.text);
  }

  private event(e: DenyEvent, lineNo: number): void {
    const s = this.s;
    e.denytrace.source_file ??= this.path;
    e.denytrace.line ??= lineNo;
    if (this.deps.network) enrich(e, this.deps.network);
    s.records += 1;
    this.sinceFlush += 1;
    if (e.http?.response?.status_code === 403) s.refusals += 1;
    const ts = e['@timestamp'];
    if (s.first_event === null || ts < s.first_event) s.first_event = ts;
    if (s.last_event === null || ts > s.last_event) s.last_event = ts;
    this.counters.add(e);
    if (this.keepAll || hasRefusalMark(e)) this.events.push(e);
  }

  private reject(line: number, reason: string, detail: string, raw: string): void {
    this.s.rejected += 1;
    this.s.rejected_by_reason[reason] = (this.s.rejected_by_reason[reason] ?? 0) + 1;
    this.rejects.push({ source_file: this.path, line, reason, detail, raw: raw.length > MAX_ORIGINAL_CHARS ? raw.slice(0, MAX_ORIGINAL_CHARS) : raw });
    this.sinceFlush += 1;
  }

  /** Writes pending events, counters and rejects, then records how far the file is accounted for. */
  private async flush(lines = this.lastLine, bytes = this.contentBytes): Promise<void> {
    const { store } = this.deps;
    if (this.events.length > 0) {
      const r = await store.bulkInsert(this.events);
      this.s.stored += r.inserted;
      this.s.duplicates += r.duplicates;
      this.events = [];
    }
    if (this.counters.size > 0) await store.addCounters(this.counters.drain());
    if (this.rejects.length > 0) {
      await store.quarantine(this.rejects);
      this.rejects = [];
    }
    this.sinceFlush = 0;
    if (lines > this.startLine) {
      await store.setFileState({
        fingerprint: this.fp, path: this.path, lines, bytes, format: this.s.format, updated_at: new Date().toISOString(),
      });
    }
  }

  async finish(read: ReadSummary): Promise<FileSummary> {
    await this.flush(Math.max(read.lines, this.startLine), read.decompressed_bytes);
    const s = this.s;
    s.skipped_lines += read.blank_lines;
    s.already_ingested = this.startLine > 0 && read.lines <= this.startLine;
    return s;
  }
}

/**
 * Fills `source.geo.country_iso_code`, `source.geo.region_iso_code` (when absent) and
 * `source.as.organization.name` (when absent) from the user's network table.
 */
export function enrich(e: DenyEvent, table: NetworkTable): void {
  const ip = e.source?.ip;
  if (!ip) return;
  const info = table.lookup(ip);
  if (!info) return;
  const source = e.source!;
  if (info.country || info.region) {
    source.geo ??= {};
    if (info.country && !source.geo.country_iso_code) source.geo.country_iso_code = info.country;
    if (info.region && !source.geo.region_iso_code) source.geo.region_iso_code = info.region;
  }
  if (info.organization && !source.as?.organization?.name) {
    source.as ??= {};
    source.as.organization = { ...source.as.organization, name: info.organization };
  }
}
