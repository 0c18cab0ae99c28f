import type { LineParser, LogFormat } from '@denytrace/parsers';
import { hasRefusalMark, MAX_ORIGINAL_CHARS, type DenyEvent } from '@denytrace/schema';
import type { QuarantineRow } from '@denytrace/store';
import type { NetworkTable } from '@denytrace/network';
import type { LineItem, ReadSummary } from './line-reader';
import { countUnknownFields } from './format-drift';
import { MinuteCounters } from './minute-counters';
import type { FileSummary, IngestDeps, IngestOptions } from './ingest-types';

/** Lines of one file with no known format that are quarantined; the rest are only counted. */
export const UNKNOWN_FORMAT_QUARANTINE_LINES = 100;

const HASH = 0x23;

/**
 * The state of one file's ingest: parser, counters, pending writes and the rules for remembering
 * how far the file was read (`FileState`):
 * - a `FileState` is written only once this run produced at least one record, or when no line of
 *   the run was rejected (a file of only blank, header or comment lines). A run with 0 records and
 *   ≥ 1 rejection (wrong `--format`, no known format, a gzip damaged before its first record)
 *   remembers nothing, so the next run reads the file again, e.g. with the right format;
 * - `truncated_gzip` is reported by a run that read new lines only: re-reading a damaged gzip that
 *   was already ingested up to its cut ends at the same place, so that run reports
 *   `already_ingested` and no rejection (the first run reported and quarantined the cut).
 */
export class FileRun {
  private format: LogFormat | undefined;
  private parser: LineParser | undefined;
  private readonly counters: MinuteCounters;
  private events: DenyEvent[] = [];
  private rejects: QuarantineRow[] = [];
  private sinceFlush = 0;
  private readonly keepAll: boolean;
  private readonly batchSize: number;
  /** Lines after `startLine` read in this run (records, rejections and skips). */
  private newLines = 0;
  private unknownQuarantined = 0;
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
    this.counters = new MinuteCounters(deps.network);
    this.keepAll = opts.retention === 'all';
    this.batchSize = Math.max(1, opts.batchSize ?? 5000);
    this.s = {
      file: path, format: null, records: 0, stored: 0, duplicates: 0, refusals: 0, rejected: 0,
      rejected_by_reason: {}, unknown_fields: {}, skipped_lines: 0, skipped: null, already_ingested: false, first_event: null, last_event: null,
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
    if (item.kind === 'error' && item.error.reason === 'truncated_gzip' && this.startLine > 0 && this.newLines === 0) return; // the same cut, reported before
    this.lastLine = lineNo;
    this.newLines += 1;
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
    countUnknownFields(e, s.unknown_fields);
    if (this.keepAll || hasRefusalMark(e)) this.events.push(e);
  }

  private reject(line: number, reason: string, detail: string, raw: string): void {
    this.s.rejected += 1;
    this.s.rejected_by_reason[reason] = (this.s.rejected_by_reason[reason] ?? 0) + 1;
    if (reason === 'unknown_format' && ++this.unknownQuarantined > UNKNOWN_FORMAT_QUARANTINE_LINES) return; // counted, not kept
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
    if (this.counters.size > 0) await store.addCounters(this.counters.drain(), this.counters.drainDimensions());
    if (this.rejects.length > 0) {
      await store.quarantine(this.rejects);
      this.rejects = [];
    }
    this.sinceFlush = 0;
    if (lines > this.startLine && (this.s.records > 0 || this.s.rejected === 0)) {
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

  /** The summary of a file not read at all: nothing counted, quarantined or remembered. */
  skippedAs(reason: FileSummary['skipped']): FileSummary {
    return { ...this.s, skipped: reason };
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
