import { isUtf8 } from 'node:buffer';
import type { LineItem } from './line-reader';
import { RAW_PREVIEW_BYTES } from './line-splitter';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_SQ = 0x5b;
const CLOSE_SQ = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Splits a JSON array body (`[elem, elem, …]`, RFC 8259 §5) into its elements as they stream in,
 * one {@link LineItem} per element numbered from 1, with the same bounds as lines: an element over
 * `maxLineBytes` is rejected `line_too_long` (its bytes counted, not kept), one that is not UTF-8
 * `invalid_utf8`. This is the body of Vector's `http` sink with `encoding.codec = "json"` and of
 * Fluent Bit's `http` output with `format json`, where a whole batch is one array on one line.
 *
 * A byte scanner that tracks string, escape and nesting state only: each byte is looked at once, no
 * backtracking. The element text is not validated as JSON here (the parser or envelope step does).
 */
export class JsonArraySplitter {
  private started = false;
  private closed = false;
  /** Nesting inside the current element: 0 between elements. */
  private depth = 0;
  private inString = false;
  private escape = false;
  private inElement = false;
  private parts: Buffer[] = [];
  private partLen = 0;
  private tooLong = false;
  private elementBytes = 0;
  private preview: Buffer | undefined;
  private index = 0;
  private trailing = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Elements completed by this chunk. */
  push(chunk: Buffer): LineItem[] {
    const out: LineItem[] = [];
    let start = -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (!this.started) {
        if (isWs(b) || (b === 0xef || b === 0xbb || b === 0xbf)) continue; // BOM, whitespace
        this.started = true;
        if (b !== OPEN_SQ) this.trailing = true;
        continue;
      }
      if (this.closed) {
        if (!isWs(b)) this.trailing = true;
        continue;
      }
      if (!this.inElement) {
        if (isWs(b) || b === COMMA) continue;
        if (b === CLOSE_SQ) {
          this.closed = true;
          continue;
        }
        this.inElement = true;
        start = i;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_CURLY || b === OPEN_SQ) this.depth += 1;
      else if (b === CLOSE_CURLY || (b === CLOSE_SQ && this.depth > 0)) this.depth -= 1;
      else if (this.depth === 0 && (b === COMMA || b === CLOSE_SQ)) {
        this.keep(chunk.subarray(start < 0 ? 0 : start, i));
        out.push(this.finish());
        start = -1;
        if (b === CLOSE_SQ) this.closed = true;
      }
    }
    if (this.inElement) this.keep(chunk.subarray(start < 0 ? 0 : start));
    return out;
  }

  /** Ends the body: an element left open is rejected `invalid_json` (the array was cut). */
  end(): LineItem[] {
    const out: LineItem[] = [];
    if (this.inElement) {
      const item = this.finish();
      out.push(item.kind === 'error' ? item : { kind: 'error', lineNo: item.lineNo, error: { reason: 'invalid_json', detail: `array element ${item.lineNo} is cut: the JSON array is not closed`, raw: item.text.slice(0, RAW_PREVIEW_BYTES) } });
    }
    return out;
  }

  /** True when the body was not one JSON array (text before `[`, or after its `]`). */
  get malformed(): boolean {
    return this.trailing || (this.started && !this.closed);
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.elementBytes += bytes.length;
    if (this.tooLong) return;
    if (this.partLen + bytes.length > this.maxLineBytes) {
      this.tooLong = true;
      this.preview = Buffer.concat([...this.parts, bytes]).subarray(0, RAW_PREVIEW_BYTES);
      this.parts = [];
      this.partLen = 0;
      return;
    }
    this.parts.push(Buffer.from(bytes)); // copy: a subarray would pin the chunk
    this.partLen += bytes.length;
  }

  private finish(): LineItem {
    this.index += 1;
    const lineNo = this.index;
    const tooLong = this.tooLong;
    const bytes = this.elementBytes;
    const preview = this.preview;
    const buf = Buffer.concat(this.parts, this.partLen);
    this.parts = [];
    this.partLen = 0;
    this.tooLong = false;
    this.elementBytes = 0;
    this.preview = undefined;
    this.inElement = false;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    if (tooLong) {
      return { kind: 'error', lineNo, error: { reason: 'line_too_long', detail: `array element ${lineNo} is ${bytes} bytes, over the limit of ${this.maxLineBytes} bytes; skipped, reading continues`, raw: (preview ?? Buffer.alloc(0)).toString('utf8') } };
    }
    if (!isUtf8(buf)) {
      return { kind: 'error', lineNo, error: { reason: 'invalid_utf8', detail: `array element ${lineNo} is not valid UTF-8`, raw: buf.subarray(0, RAW_PREVIEW_BYTES).toString('utf8') } };
    }
    return { kind: 'line', lineNo, text: buf.toString('utf8').trim() };
  }
}
