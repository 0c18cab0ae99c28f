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
const NL = 0x0a;

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** A byte of a UTF-8 BOM (EF BB BF): skipped between records (a BOM may start any concatenated part). */
function isBomByte(b: number): boolean {
  return b === 0xef || b === 0xbb || b === 0xbf;
}

/**
 * How a JSON document holds its records:
 * - `array`: one JSON array `[rec, rec, …]` (RFC 8259 §5), compact or pretty-printed;
 * - `envelope`: one object whose first key holds the array, `{"Records":[…]}` (CloudTrail's S3
 *   delivery, https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html)
 *   or `{"records":[…]}` (Azure diagnostic logs in a storage account,
 *   https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs-schema);
 * - `objects`: JSON values one after another, each possibly spread over many lines (pretty-printed
 *   objects concatenated, as documentation pages and `jq .` print them), optionally comma-separated.
 */
export type JsonFraming = 'array' | 'envelope' | 'objects';

/** Options of {@link JsonArraySplitter}. */
export interface JsonSplitterOptions {
  /** Default `array`. */
  framing?: JsonFraming;
  /**
   * `element` (default): records are numbered 1, 2, 3 … (a pushed body, where the array is one line);
   * `line`: a record's number is the 1-based physical line where it starts (files).
   */
  numberBy?: 'element' | 'line';
}

/**
 * Splits a JSON document into its records as they stream in (see {@link JsonFraming}), one
 * {@link LineItem} per record, with the same bounds as lines: a record over `maxLineBytes` is rejected
 * `line_too_long` (its bytes counted, not kept), one that is not UTF-8 `invalid_utf8`, and a record
 * left open at the end (a truncated file or body) `invalid_json`. This is the body of Vector's `http`
 * sink with `encoding.codec = "json"` and of Fluent Bit's `http` output with `format json`, where a
 * whole batch is one array on one line, and the shape of CloudTrail and Azure log files.
 *
 * A byte scanner that tracks string, escape and nesting state only: each byte is looked at once, no
 * backtracking, memory bounded by one record. The record text is not validated as JSON here (the
 * parser or envelope step does), so a malformed but balanced record is one rejection and the records
 * after it go through. In `objects` framing, text outside any `{…}`/`[…]` becomes a record of its own
 * up to the end of its line (and is then rejected by the parser).
 */
export class JsonArraySplitter {
  private readonly framing: JsonFraming;
  private readonly byLine: boolean;
  private started = false;
  /** `envelope`: the array inside the outer object was found. */
  private inArray = false;
  private closed = false;
  /** Nesting inside the current element: 0 between elements. */
  private depth = 0;
  private inString = false;
  private escape = false;
  private inElement = false;
  /** `objects`: the current record is text outside JSON brackets, ending at the end of its line. */
  private junk = false;
  private parts: Buffer[] = [];
  private partLen = 0;
  private tooLong = false;
  private elementBytes = 0;
  private preview: Buffer | undefined;
  private index = 0;
  private trailing = false;
  /** 1-based physical line of the byte being scanned, and of the current element's first byte. */
  private line = 1;
  private elementLine = 1;
  /** True when bytes followed the last newline (the last line has no terminator). */
  private openLine = false;

  constructor(private readonly maxLineBytes: number, options: JsonSplitterOptions = {}) {
    this.framing = options.framing ?? 'array';
    this.byLine = options.numberBy === 'line';
    if (this.framing === 'objects') this.started = true;
  }

  /** Physical lines seen so far (a last line without newline counts). */
  get lines(): number {
    return this.openLine ? this.line : this.line - 1;
  }

  /** Elements completed by this chunk. */
  push(chunk: Buffer): LineItem[] {
    const out: LineItem[] = [];
    let start = -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const nl = b === NL;
      if (nl) {
        this.line += 1;
        this.openLine = false;
      } else this.openLine = true;
      if (!this.started) {
        if (isWs(b) || isBomByte(b)) continue;
        this.started = true;
        if (this.framing === 'array' && b === OPEN_SQ) this.inArray = true;
        else if (this.framing !== 'envelope' || b !== OPEN_CURLY) this.trailing = true;
        continue;
      }
      if (!this.inArray && this.framing === 'envelope' && !this.closed) {
        // `{"Records":` before the array: look for its `[` outside strings
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (b === BACKSLASH) this.escape = true;
          else if (b === QUOTE) this.inString = false;
        } else if (b === QUOTE) this.inString = true;
        else if (b === OPEN_SQ) this.inArray = true;
        continue;
      }
      if (this.closed) {
        if (!isWs(b) && !(this.framing === 'envelope' && b === CLOSE_CURLY)) this.trailing = true;
        continue;
      }
      if (!this.inElement) {
        if (isWs(b) || b === COMMA || isBomByte(b)) continue;
        if (b === CLOSE_SQ && this.framing !== 'objects') {
          this.closed = true;
          continue;
        }
        this.inElement = true;
        this.elementLine = nl ? this.line - 1 : this.line;
        this.junk = this.framing === 'objects' && b !== OPEN_CURLY && b !== OPEN_SQ;
        start = i;
      }
      if (this.junk) {
        if (nl) {
          this.keep(chunk.subarray(start < 0 ? 0 : start, i));
          out.push(this.finish());
          start = -1;
        }
        continue;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_CURLY || b === OPEN_SQ) this.depth += 1;
      else if (b === CLOSE_CURLY || (b === CLOSE_SQ && this.depth > 0)) {
        this.depth -= 1;
        if (this.depth === 0 && this.framing === 'objects') {
          this.keep(chunk.subarray(start < 0 ? 0 : start, i + 1));
          out.push(this.finish());
          start = -1;
        }
      } else if (this.depth === 0 && (b === COMMA || b === CLOSE_SQ)) {
        this.keep(chunk.subarray(start < 0 ? 0 : start, i));
        out.push(this.finish());
        start = -1;
        if (b === CLOSE_SQ) this.closed = true;
      }
    }
    if (this.inElement) this.keep(chunk.subarray(start < 0 ? 0 : start));
    return out;
  }

  /** Ends the input: an element left open is rejected `invalid_json` (the array or object was cut). */
  end(): LineItem[] {
    const out: LineItem[] = [];
    if (this.inElement) {
      const junk = this.junk;
      const item = this.finish();
      if (item.kind === 'error' || junk) out.push(item);
      else out.push({ kind: 'error', lineNo: item.lineNo, error: { reason: 'invalid_json', detail: `record ${this.index} (line ${this.elementLine}) is cut: the JSON ${this.framing === 'objects' ? 'value' : 'array'} is not closed`, raw: item.text.slice(0, RAW_PREVIEW_BYTES) } });
    }
    return out;
  }

  /** True when the body was not one JSON array (text before `[`, or after its `]`), or it was never closed. */
  get malformed(): boolean {
    return this.trailing || (this.framing !== 'objects' && this.started && !this.closed);
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
    const lineNo = this.byLine ? this.elementLine : this.index;
    const what = this.byLine ? `record at line ${lineNo}` : `array element ${lineNo}`;
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
    this.junk = false;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    if (tooLong) {
      return { kind: 'error', lineNo, error: { reason: 'line_too_long', detail: `${what} is ${bytes} bytes, over the limit of ${this.maxLineBytes} bytes; skipped, reading continues`, raw: (preview ?? Buffer.alloc(0)).toString('utf8') } };
    }
    if (!isUtf8(buf)) {
      return { kind: 'error', lineNo, error: { reason: 'invalid_utf8', detail: `${what} is not valid UTF-8`, raw: buf.subarray(0, RAW_PREVIEW_BYTES).toString('utf8') } };
    }
    return { kind: 'line', lineNo, text: buf.toString('utf8').trim() };
  }
}

/** A first line longer than this without a newline is a JSON line, not pretty-printed JSON. */
const DECIDE_LINE_BYTES = 4096;
const ENVELOPE_KEY = /^\{\s*"(?:Records|records)"\s*:\s*\[/;

/**
 * How a file's content is framed, from its first bytes (a UTF-8 BOM and whitespace skipped):
 * `array` when it starts with `[` followed by `{`, `"` or `]` (so a text log line starting with `[`
 * stays a line); `envelope` when it starts `{"Records":[` / `{"records":[`; `objects` when it starts
 * with `{` and the first line does not close that object (pretty-printed JSON); else `lines` (text
 * logs and JSON Lines, one record a line). Undefined when more bytes are needed, unless `final`.
 */
export function decideFraming(buf: Buffer, final: boolean): 'lines' | JsonFraming | undefined {
  let i = 0;
  while (i < buf.length && (isWs(buf[i]) || isBomByte(buf[i]))) i++;
  if (i >= buf.length) return final ? 'lines' : undefined;
  if (buf[i] === OPEN_SQ) {
    let j = i + 1;
    while (j < buf.length && isWs(buf[j])) j++;
    if (j >= buf.length) return final ? 'lines' : undefined;
    const b = buf[j];
    return b === OPEN_CURLY || b === QUOTE || b === CLOSE_SQ ? 'array' : 'lines';
  }
  if (buf[i] !== OPEN_CURLY) return 'lines';
  const head = buf.subarray(i, i + 256).toString('utf8');
  if (ENVELOPE_KEY.test(head)) return 'envelope';
  // so far a prefix of `{"records":[`: wait for more bytes
  if (!final && '{"records":['.startsWith(head.replace(/\s+/g, '').toLowerCase())) return undefined;
  // does the first line close its object?
  let depth = 0;
  let inString = false;
  let escape = false;
  for (let j = i; j < buf.length; j++) {
    const b = buf[j];
    if (inString) {
      if (escape) escape = false;
      else if (b === BACKSLASH) escape = true;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === NL) return depth > 0 ? 'objects' : 'lines';
    if (b === QUOTE) inString = true;
    else if (b === OPEN_CURLY || b === OPEN_SQ) depth += 1;
    else if (b === CLOSE_CURLY || b === CLOSE_SQ) {
      depth -= 1;
      if (depth === 0) return 'lines';
    }
  }
  // no newline within the bytes looked at: wait for more, else a long JSON line
  if (!final && buf.length - i < DECIDE_LINE_BYTES) return undefined;
  return final && depth > 0 ? 'objects' : 'lines';
}
