import { isUtf8 } from 'node:buffer';
import type { LineError, LineItem, ReadSummary } from './line-reader';

/** How much of the raw text a rejected line keeps (bytes before decoding). */
export const RAW_PREVIEW_BYTES = 512;

const NL = 0x0a;
const CR = 0x0d;

/**
 * Byte-level line splitting with a bounded line buffer (used by `readLineBatches`): splits on `\n`,
 * strips a BOM at the start of any line and a trailing `\r`, counts blank lines, rejects lines over `maxLineBytes`
 * (bytes, without terminator) while discarding their bytes, and rejects invalid UTF-8.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partLen = 0;
  /** When set, the current line is over the limit: its bytes are counted, not kept. */
  private discarding = false;
  private discardLen = 0;
  private discardPreview: Buffer | undefined;
  private discardLastByte = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly startLine: number,
    private readonly s: ReadSummary,
    private readonly keepHeaderLines = false,
  ) {}

  /** Splits one chunk; returns the items of every line it completed. */
  push(chunk: Buffer): LineItem[] {
    const out: LineItem[] = [];
    let pos = 0;
    let nl = chunk.indexOf(NL, pos);
    while (nl !== -1) {
      this.finishLine(chunk.subarray(pos, nl), out);
      pos = nl + 1;
      nl = chunk.indexOf(NL, pos);
    }
    if (pos < chunk.length) this.keep(chunk.subarray(pos));
    return out;
  }

  /** Ends the input: a last line without newline still counts. */
  end(): LineItem[] {
    const out: LineItem[] = [];
    if (this.discarding || this.partLen > 0) this.finishLine(Buffer.alloc(0), out);
    return out;
  }

  /** A bounded preview of the incomplete line held now (for a truncation error). */
  pendingPreview(): string {
    if (this.discarding) return (this.discardPreview ?? Buffer.alloc(0)).toString('utf8');
    return Buffer.concat(this.parts).subarray(0, RAW_PREVIEW_BYTES).toString('utf8');
  }

  /** True when the line (after a BOM on line 1) starts with `#`. */
  private startsWithHash(segment: Buffer, lineNo: number): boolean {
    const first = this.partLen > 0 ? this.parts[0] : segment;
    const at = lineNo === 1 && first.length >= 3 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
    return first.length > at && first[at] === 0x23;
  }

  private keep(rest: Buffer): void {
    if (this.discarding) {
      this.discardLen += rest.length;
      this.discardLastByte = rest[rest.length - 1];
      return;
    }
    // one extra byte may be the CR of a CRLF terminator
    if (this.partLen + rest.length > this.maxLineBytes + 1) {
      const head = Buffer.concat([...this.parts, rest.subarray(0, RAW_PREVIEW_BYTES)]);
      this.discardPreview = Buffer.from(head.subarray(0, RAW_PREVIEW_BYTES));
      this.discarding = true;
      this.discardLen = this.partLen + rest.length;
      this.discardLastByte = rest[rest.length - 1];
      this.parts = [];
      this.partLen = 0;
      return;
    }
    // copy: a subarray would pin the whole chunk
    this.parts.push(Buffer.from(rest));
    this.partLen += rest.length;
  }

  private finishLine(segment: Buffer, out: LineItem[]): void {
    const s = this.s;
    s.lines += 1;
    const lineNo = s.lines;
    if (this.discarding) {
      let bytes = this.discardLen + segment.length;
      const lastByte = segment.length > 0 ? segment[segment.length - 1] : this.discardLastByte;
      if (lastByte === CR) bytes -= 1;
      const preview = this.discardPreview ?? Buffer.alloc(0);
      this.discarding = false;
      this.discardLen = 0;
      this.discardPreview = undefined;
      if (lineNo <= this.startLine) {
        s.skipped_lines += 1;
        return;
      }
      s.rejected += 1;
      out.push(tooLong(lineNo, bytes, this.maxLineBytes, preview));
      return;
    }
    if (lineNo <= this.startLine && !(this.keepHeaderLines && this.startsWithHash(segment, lineNo))) {
      this.parts = [];
      this.partLen = 0;
      s.skipped_lines += 1;
      return;
    }
    let line = segment;
    if (this.partLen > 0) {
      this.parts.push(segment);
      line = Buffer.concat(this.parts, this.partLen + segment.length);
      this.parts = [];
      this.partLen = 0;
    }
    let start = 0;
    let end = line.length;
    // a BOM on any line: files concatenated from parts that each start with one (Azure blobs)
    if (end >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) start = 3;
    if (end > start && line[end - 1] === CR) end -= 1;
    if (end - start > this.maxLineBytes) {
      s.rejected += 1;
      out.push(tooLong(lineNo, end - start, this.maxLineBytes, line.subarray(start, start + RAW_PREVIEW_BYTES)));
      return;
    }
    const bytes = line.subarray(start, end);
    const text = bytes.toString('utf8');
    if (isBlank(text)) {
      s.blank_lines += 1;
      return;
    }
    if (text.includes('\uFFFD') && !isUtf8(bytes)) {
      s.rejected += 1;
      out.push({
        kind: 'error',
        lineNo,
        error: {
          reason: 'invalid_utf8',
          detail: `line ${lineNo} is not valid UTF-8 (first invalid byte at offset ${firstInvalidByte(bytes)})`,
          raw: bytes.subarray(0, RAW_PREVIEW_BYTES).toString('utf8'),
        },
      });
      return;
    }
    out.push({ kind: 'line', lineNo, text });
  }
}

function tooLong(lineNo: number, bytes: number, limit: number, preview: Buffer): LineError {
  return {
    kind: 'error',
    lineNo,
    error: {
      reason: 'line_too_long',
      detail: `line ${lineNo} is ${bytes} bytes, over the limit of ${limit} bytes; skipped, reading continues`,
      raw: preview.subarray(0, RAW_PREVIEW_BYTES).toString('utf8'),
    },
  };
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629 §4), -1 when none. */
function firstInvalidByte(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let n: number;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    if (i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1];
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}
