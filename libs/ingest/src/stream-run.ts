import type { LineParser, LogFormat, ParserOptions } from '@denytrace/parsers';
import { hasRefusalMark, MAX_ORIGINAL_CHARS, type DenyEvent } from '@denytrace/schema';
import type { CounterRow, DimensionCounterRow, QuarantineRow } from '@denytrace/store';
import type { NetworkTable } from '@denytrace/network';
import { enrich, UNKNOWN_FORMAT_QUARANTINE_LINES } from './file-run';
import type { FormatRegistry } from './format-registry';
import type { LineItem } from './line-reader';
import { countUnknownFields } from './format-drift';
import { MinuteCounters } from './minute-counters';

/** Lines looked at when (re)detecting a format, from the line in question on. */
export const STREAM_DETECT_LINES = 20;

/** What parsing one stream gave; counts are records (lines or array elements), not bytes. */
export interface StreamTotals {
  /** Records parsed into events. */
  records: number;
  rejected: number;
  rejected_by_reason: Record<string, number>;
  /** Format drift: records per `dataset/field` with a field the parser did not know. */
  unknown_fields: Record<string, number>;
  /** Records by format name. */
  formats: Record<string, number>;
  /** Lines that gave neither a record nor an error (blank, headers, comments). */
  skipped_lines: number;
  /** Records with HTTP status 403. */
  refusals: number;
  first_event: string | null;
  last_event: string | null;
}

/** Options of one stream run. */
export interface StreamRunOptions {
  registry: FormatRegistry;
  /** Forced format: no detection, no switching. */
  format?: LogFormat;
  /** Name of the stream, for quarantine rows and `denytrace.source_file`. */
  sourceName: string;
  parserOptions?: ParserOptions;
  keepAll: boolean;
  network?: NetworkTable;
}

/**
 * Parses the records of one pushed stream into memory (events to keep, counters, quarantine rows),
 * with the format detected per line group: on the first lines, and again from any line the current
 * format rejects — a body may mix sources (a Vector aggregator interleaves files). Re-detection of a
 * rejected line L: if some format recognises L alone, the best format over L and the
 * {@link STREAM_DETECT_LINES} − 1 lines after it wins when it also recognises L, else the one that
 * recognised L; a format equal to the current one changes nothing and L is rejected. The same look
 * is taken before parsing a JSON line in a text group or a text line in a JSON group, since a lenient
 * parser may accept the other kind. Cost for a line no format knows: one single-line detection per format.
 *
 * The caller feeds items with {@link handle}, passing the items after it (look-ahead) for detection.
 */
export class StreamRun {
  private current: LogFormat | undefined;
  private parser: LineParser | undefined;
  private detectedOnce = false;
  /** Whether the line group of the current format is JSON (`{…}`) or text. */
  private groupJson = false;
  private readonly counters: MinuteCounters;
  readonly events: DenyEvent[] = [];
  readonly quarantine: QuarantineRow[] = [];
  private unknownQuarantined = 0;
  readonly totals: StreamTotals = {
    records: 0, rejected: 0, rejected_by_reason: {}, unknown_fields: {}, formats: {}, skipped_lines: 0, refusals: 0, first_event: null, last_event: null,
  };

  constructor(private readonly opts: StreamRunOptions) {
    this.counters = new MinuteCounters(opts.network);
    if (opts.format) this.use(opts.format, '');
  }

  /** Handles one item; `ahead` are the items that follow it (at least STREAM_DETECT_LINES − 1 unless the stream ends). */
  handle(item: LineItem, ahead: readonly LineItem[]): void {
    if (item.kind === 'error') {
      this.reject(item.lineNo, item.error.reason, item.error.detail, item.error.raw);
      return;
    }
    if (!this.opts.format && !this.detectedOnce) {
      this.detectedOnce = true;
      const found = this.opts.registry.detect(texts(item, ahead));
      if (found) this.use(found.format, item.text);
    }
    if (this.parser && !this.opts.format && isJson(item.text) !== this.groupJson) {
      // JSON after text or text after JSON: a lenient parser may accept the other kind (nginx reads
      // JSON access logs), so look again before parsing
      const next = this.redetect(item, ahead);
      if (next) this.use(next, item.text);
    }
    if (!this.parser) {
      const next = this.redetect(item, ahead);
      if (!next) {
        this.reject(item.lineNo, 'unknown_format', `no known format matched this line or the lines after it (known: ${this.opts.registry.names().join(', ')})`, item.text);
        return;
      }
      this.use(next, item.text);
    }
    let outcome = this.parse(item);
    if (outcome.kind === 'reject' && !this.opts.format) {
      const next = this.redetect(item, ahead);
      if (next) {
        this.use(next, item.text);
        outcome = this.parse(item);
      }
    }
    if (outcome.kind === 'event') this.event(outcome.event, item.lineNo);
    else if (outcome.kind === 'skip') this.totals.skipped_lines += 1;
    else this.reject(item.lineNo, outcome.reason, outcome.detail, item.text);
  }

  /** The counters aggregated so far (drained). */
  drainCounters(): CounterRow[] {
    return this.counters.drain();
  }

  /** The dimension counters aggregated so far (drained). */
  drainDimensionCounters(): DimensionCounterRow[] {
    return this.counters.drainDimensions();
  }

  private use(format: LogFormat, line: string): void {
    this.current = format;
    this.groupJson = isJson(line);
    this.parser = format.createParser({ ...this.opts.parserOptions, sourceName: this.opts.sourceName });
  }

  private parse(item: { text: string; lineNo: number }): { kind: 'event'; event: DenyEvent } | { kind: 'skip' } | { kind: 'reject'; reason: string; detail: string } {
    try {
      return this.parser!.parse(item.text, item.lineNo);
    } catch (err) {
      return { kind: 'reject', reason: 'invalid_field', detail: `${this.current?.name} parser failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private redetect(item: { text: string }, ahead: readonly LineItem[]): LogFormat | undefined {
    const alone = this.opts.registry.detect([item.text]);
    if (!alone || alone.format === this.current) return undefined;
    const group = this.opts.registry.detect(texts(item, ahead));
    if (group && group.format !== this.current && group.format !== alone.format && safeDetect(group.format, item.text) > 0.5) return group.format;
    return alone.format;
  }

  private event(e: DenyEvent, lineNo: number): void {
    const t = this.totals;
    e.denytrace.source_file ??= this.opts.sourceName;
    e.denytrace.line ??= lineNo;
    if (this.opts.network) enrich(e, this.opts.network);
    t.records += 1;
    const name = this.current!.name;
    t.formats[name] = (t.formats[name] ?? 0) + 1;
    if (e.http?.response?.status_code === 403) t.refusals += 1;
    const ts = e['@timestamp'];
    if (t.first_event === null || ts < t.first_event) t.first_event = ts;
    if (t.last_event === null || ts > t.last_event) t.last_event = ts;
    this.counters.add(e);
    countUnknownFields(e, t.unknown_fields);
    if (this.opts.keepAll || hasRefusalMark(e)) this.events.push(e);
  }

  private reject(line: number, reason: string, detail: string, raw: string): void {
    const t = this.totals;
    t.rejected += 1;
    t.rejected_by_reason[reason] = (t.rejected_by_reason[reason] ?? 0) + 1;
    if (reason === 'unknown_format' && ++this.unknownQuarantined > UNKNOWN_FORMAT_QUARANTINE_LINES) return; // counted, not kept
    this.quarantine.push({ source_file: this.opts.sourceName, line, reason, detail, raw: raw.length > MAX_ORIGINAL_CHARS ? raw.slice(0, MAX_ORIGINAL_CHARS) : raw });
  }
}

function isJson(line: string): boolean {
  return line.charCodeAt(0) === 0x7b;
}

function texts(item: { text: string }, ahead: readonly LineItem[]): string[] {
  const out = [item.text];
  for (const a of ahead) {
    if (out.length >= STREAM_DETECT_LINES) break;
    if (a.kind === 'line') out.push(a.text);
  }
  return out;
}

function safeDetect(format: LogFormat, line: string): number {
  try {
    return format.detect([line]);
  } catch {
    return 0;
  }
}
