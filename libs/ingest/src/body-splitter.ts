import type { LineItem, ReadSummary } from './line-reader';
import { LineSplitter } from './line-splitter';
import { decideFraming, JsonArraySplitter, type JsonFraming } from './json-array-splitter';

/** Bytes looked at to decide the framing; past this it is lines. */
const DECIDE_BYTES = 4096;

/** Options of {@link BodySplitter}. */
export interface BodySplitterOptions {
  /**
   * Recognise every JSON document framing of {@link JsonFraming} (files: arrays, `{"Records":[…]}`,
   * pretty-printed objects one after another) and number each record by the physical line where it
   * starts. Default false: a pushed body, where only a JSON array is recognised and its elements are
   * numbered 1, 2, 3 ….
   */
  documents?: boolean;
  /** Lines (or records starting on lines) 1..startLine were read before: counted, not returned. Default 0. */
  startLine?: number;
  /** See `ReadLinesOptions.keepHeaderLines`. */
  keepHeaderLines?: boolean;
}

/**
 * Splits a pushed body or a file's content into records, whichever way it is framed:
 * - **lines** (raw log lines, NDJSON / JSON Lines): the file rules of {@link LineSplitter} — split on
 *   `\n`, BOM and trailing CR removed, blank lines counted, `line_too_long`, `invalid_utf8`;
 * - **one JSON array** (`[{…},{…}]`): Vector's `http` sink with `encoding.codec = "json"`
 *   (https://vector.dev/docs/reference/configuration/sinks/http/), Fluent Bit's `http` output with
 *   `format json` (https://docs.fluentbit.io/manual/pipeline/outputs/http) — split by
 *   {@link JsonArraySplitter}, each element numbered as a line;
 * - with `documents` (files) also `{"Records":[…]}` / `{"records":[…]}` envelopes and pretty-printed
 *   JSON values one after another, each record numbered by the line where it starts.
 *
 * The framing is decided by {@link decideFraming} on the first bytes; a log line that starts with `[`
 * (`[Wed Oct 11 …] [error]`) stays a line. Memory is bounded by one record or line.
 */
export class BodySplitter {
  private mode: 'undecided' | 'lines' | JsonFraming = 'undecided';
  private held: Buffer[] = [];
  private heldLen = 0;
  private lines: LineSplitter | undefined;
  private array: JsonArraySplitter | undefined;
  private readonly documents: boolean;
  private readonly startLine: number;

  constructor(private readonly maxLineBytes: number, private readonly summary: ReadSummary, private readonly options: BodySplitterOptions = {}) {
    this.documents = options.documents ?? false;
    this.startLine = options.startLine ?? 0;
  }

  /** `lines`, `array`, `envelope` or `objects` once decided. */
  get framing(): 'lines' | JsonFraming | 'undecided' {
    return this.mode;
  }

  /** True when an array body had text outside its brackets or was never closed. */
  get malformedArray(): boolean {
    return this.array?.malformed ?? false;
  }

  push(chunk: Buffer): LineItem[] {
    if (this.mode === 'undecided') {
      this.held.push(chunk);
      this.heldLen += chunk.length;
      const all = Buffer.concat(this.held, this.heldLen);
      const mode = this.decide(all, this.heldLen > DECIDE_BYTES);
      if (!mode) return [];
      this.start(mode);
      this.held = [];
      this.heldLen = 0;
      return this.feed(all);
    }
    return this.feed(chunk);
  }

  end(): LineItem[] {
    if (this.mode === 'undecided') {
      const all = Buffer.concat(this.held, this.heldLen);
      this.start(this.decide(all, true) ?? 'lines');
      const out = this.feed(all);
      return out.concat(this.finish());
    }
    return this.finish();
  }

  /** A bounded preview of the incomplete line held now (for a truncation error). */
  pendingPreview(): string {
    return this.lines?.pendingPreview() ?? '';
  }

  private decide(buf: Buffer, final: boolean): 'lines' | JsonFraming | undefined {
    const mode = decideFraming(buf, final);
    if (this.documents || mode === undefined) return mode;
    return mode === 'array' ? 'array' : 'lines';
  }

  private start(mode: 'lines' | JsonFraming): void {
    this.mode = mode;
    if (mode === 'lines') this.lines = new LineSplitter(this.maxLineBytes, this.startLine, this.summary, this.options.keepHeaderLines ?? false);
    else this.array = new JsonArraySplitter(this.maxLineBytes, { framing: mode, numberBy: this.documents ? 'line' : 'element' });
  }

  private feed(chunk: Buffer): LineItem[] {
    if (this.lines) return this.lines.push(chunk);
    return this.count(this.array!.push(chunk));
  }

  private finish(): LineItem[] {
    if (this.lines) return this.lines.end();
    return this.count(this.array!.end());
  }

  /** Records of a JSON document: in the read summary as lines (physical lines for files), records before `startLine` skipped. */
  private count(items: LineItem[]): LineItem[] {
    const s = this.summary;
    if (this.documents) s.lines = Math.max(s.lines, this.array!.lines);
    const out: LineItem[] = [];
    for (const i of items) {
      if (!this.documents) s.lines = Math.max(s.lines, i.lineNo);
      if (i.lineNo <= this.startLine) {
        s.skipped_lines += 1;
        continue;
      }
      if (i.kind === 'error') s.rejected += 1;
      out.push(i);
    }
    return out;
  }
}
