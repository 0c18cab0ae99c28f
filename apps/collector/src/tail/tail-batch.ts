import type { LineParser } from '@denytrace/parsers';
import { enrich, MinuteCounters, type LineItem } from '@denytrace/ingest';
import type { NetworkTable } from '@denytrace/network';
import { windowsForTimestamps } from '@denytrace/queue';
import { hasRefusalMark, MAX_ORIGINAL_CHARS, type DenyEvent } from '@denytrace/schema';
import type { EventStore, FileState, QuarantineRow, Retention, WindowVersion } from '@denytrace/store';

/** What a tail batch needs from outside. */
export interface TailSink {
  store: EventStore;
  /** `CorrelateProducer.windowsChanged` (or a stand-in in tests). */
  windowsChanged(versions: readonly WindowVersion[]): Promise<boolean | void>;
  retention: Retention;
  network?: NetworkTable;
  /** Called once per flushed batch with what it counted (metrics). */
  onFlushed?(counts: TailBatchCounts): void;
}

/** What one flushed batch held: records by `event.dataset`, rejections by reason, events stored. */
export interface TailBatchCounts {
  records: Record<string, number>;
  rejected: Record<string, number>;
  inserted: number;
  duplicates: number;
}

/**
 * The new lines of one file read in one poll, on their way to the store: each line is parsed, every
 * event counted in per-minute counters (DESIGN.md "Storage"), events with a refusal mark (every event
 * with retention `all`) kept, rejected lines quarantined (raw text cut to 4096 chars). {@link flush}
 * writes all of it, the file's new offset and the changed re-decision windows of the records'
 * `@timestamp`s in one `store.writeBatch` transaction, then enqueues their correlate jobs.
 */
export class TailBatch {
  private events: DenyEvent[] = [];
  private readonly counters: MinuteCounters;
  private rejects: QuarantineRow[] = [];
  private timestamps = new Set<string>();
  private counts: TailBatchCounts = { records: {}, rejected: {}, inserted: 0, duplicates: 0 };
  /** Lines parsed or rejected since the last flush. */
  pending = 0;

  constructor(
    private readonly sink: TailSink,
    private readonly sourceFile: string,
    private readonly parser: LineParser,
  ) {
    this.counters = new MinuteCounters(sink.network);
  }

  /** Parses one line item, or quarantines a reader error (too long, invalid UTF-8, truncated gzip). */
  handle(item: LineItem): void {
    if (item.kind === 'error') {
      this.reject(item.lineNo, item.error.reason, item.error.detail, item.error.raw);
      return;
    }
    let outcome;
    try {
      outcome = this.parser.parse(item.text, item.lineNo);
    } catch (err) {
      this.reject(item.lineNo, 'invalid_field', `parser failed: ${err instanceof Error ? err.message : String(err)}`, item.text);
      return;
    }
    if (outcome.kind === 'reject') this.reject(item.lineNo, outcome.reason, outcome.detail, item.text);
    else if (outcome.kind === 'event') this.event(outcome.event, item.lineNo);
  }

  private event(e: DenyEvent, line: number): void {
    e.denytrace.source_file ??= this.sourceFile;
    e.denytrace.line ??= line;
    if (this.sink.network) enrich(e, this.sink.network);
    if (this.counters.add(e)) this.timestamps.add(e['@timestamp']);
    if (this.sink.retention === 'all' || hasRefusalMark(e)) this.events.push(e);
    const ds = e.event.dataset;
    this.counts.records[ds] = (this.counts.records[ds] ?? 0) + 1;
    this.pending += 1;
  }

  private reject(line: number, reason: string, detail: string, raw: string): void {
    this.rejects.push({ source_file: this.sourceFile, line, reason, detail, raw: raw.length > MAX_ORIGINAL_CHARS ? raw.slice(0, MAX_ORIGINAL_CHARS) : raw });
    this.counts.rejected[reason] = (this.counts.rejected[reason] ?? 0) + 1;
    this.pending += 1;
  }

  /**
   * Writes events, counters, quarantined lines and `fileState`, and touches the windows, in one
   * transaction, then enqueues correlate jobs. A crash before the write commits loses nothing (the offset did
   * not move); the store skips events it already holds by `event.id`.
   */
  async flush(fileState: FileState): Promise<void> {
    const windows = windowsForTimestamps(this.timestamps);
    const r = await this.sink.store.writeBatch({ events: this.events, counters: this.counters.drain(), dimension_counters: this.counters.drainDimensions(), quarantine: this.rejects, fileState, windows });
    const counts = { ...this.counts, inserted: r.inserted, duplicates: r.duplicates };
    this.events = [];
    this.rejects = [];
    this.timestamps = new Set();
    this.counts = { records: {}, rejected: {}, inserted: 0, duplicates: 0 };
    this.pending = 0;
    this.sink.onFlushed?.(counts);
    if (r.windows.length > 0) await this.sink.windowsChanged(r.windows);
  }
}
