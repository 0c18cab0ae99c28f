import type { LineItem, ReadSummary } from './line-reader';
import { LineSplitter } from './line-splitter';
import { JsonArraySplitter } from './json-array-splitter';

/** Bytes looked at to decide between a JSON array body and lines; past this it is lines. */
const DECIDE_BYTES = 4096;

/**
 * Splits a pushed body into records, whichever way the shipper framed it:
 * - **lines** (raw log lines, NDJSON / JSON Lines): the file rules of {@link LineSplitter} — split on
 *   `\n`, BOM and trailing CR removed, blank lines counted, `line_too_long`, `invalid_utf8`;
 * - **one JSON array** (`[{…},{…}]`): Vector's `http` sink with `encoding.codec = "json"`
 *   (https://vector.dev/docs/reference/configuration/sinks/http/), Fluent Bit's `http` output with
 *   `format json` (https://docs.fluentbit.io/manual/pipeline/outputs/http) — split by
 *   {@link JsonArraySplitter}, each element numbered as a line.
 *
 * The body is an array when its first byte (after a BOM and whitespace) is `[` and the next one is
 * `{`, `"` or `]`; so a log line that starts with `[` (`[Wed Oct 11 …] [error]`) stays a line.
 */
export class BodySplitter {
  private mode: 'undecided' | 'lines' | 'array' = 'undecided';
  private held: Buffer[] = [];
  private heldLen = 0;
  private lines: LineSplitter | undefined;
  private array: JsonArraySplitter | undefined;

  constructor(private readonly maxLineBytes: number, private readonly summary: ReadSummary) {}

  /** `lines` or `array` once decided. */
  get framing(): 'lines' | 'array' | 'undecided' {
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
      const mode = decide(all, this.heldLen > DECIDE_BYTES);
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
      this.start(decide(all, true) ?? 'lines');
      const out = this.feed(all);
      return out.concat(this.finish());
    }
    return this.finish();
  }

  private start(mode: 'lines' | 'array'): void {
    this.mode = mode;
    if (mode === 'lines') this.lines = new LineSplitter(this.maxLineBytes, 0, this.summary);
    else this.array = new JsonArraySplitter(this.maxLineBytes);
  }

  private feed(chunk: Buffer): LineItem[] {
    if (this.lines) return this.lines.push(chunk);
    const items = this.array!.push(chunk);
    this.count(items);
    return items;
  }

  private finish(): LineItem[] {
    if (this.lines) return this.lines.end();
    const items = this.array!.end();
    this.count(items);
    return items;
  }

  /** Array elements count as lines in the read summary. */
  private count(items: LineItem[]): void {
    for (const i of items) {
      this.summary.lines = Math.max(this.summary.lines, i.lineNo);
      if (i.kind === 'error') this.summary.rejected += 1;
    }
  }
}

/** `array`, `lines`, or undefined when more bytes are needed (unless `final`). */
function decide(buf: Buffer, final: boolean): 'lines' | 'array' | undefined {
  let i = 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  while (i < buf.length && isWs(buf[i])) i++;
  if (i >= buf.length) return final ? 'lines' : undefined;
  if (buf[i] !== 0x5b) return 'lines';
  i++;
  while (i < buf.length && isWs(buf[i])) i++;
  if (i >= buf.length) return final ? 'lines' : undefined;
  const b = buf[i];
  return b === 0x7b || b === 0x22 || b === 0x5d ? 'array' : 'lines';
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
