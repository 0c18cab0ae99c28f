import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { RejectReason } from '@denytrace/parsers';
import { BodySplitter } from './body-splitter';

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Longest line accepted, in bytes, without the line terminator (`\n` or `\r\n`). Default 65536. */
  maxLineBytes?: number;
  /** Physical lines 1..startLine were read before (a resumed file): they are counted but not returned. Default 0. */
  startLine?: number;
  /** Read size in bytes. Default 1 MiB. */
  chunkBytes?: number;
  /**
   * Lines at or before `startLine` that start with `#` are still returned (not counted as skipped):
   * a stateful parser needs its header again (CloudFront `#Fields:`) when a file is resumed.
   */
  keepHeaderLines?: boolean;
  /**
   * Read JSON documents record by record: a file that is one JSON array, a `{"Records":[…]}` /
   * `{"records":[…]}` envelope, or pretty-printed JSON values one after another gives one item per
   * record, numbered by the physical line where the record starts (see `BodySplitter`). Default true;
   * text logs and JSON Lines are read line by line either way.
   */
  jsonDocuments?: boolean;
  /** Called after each chunk with bytes read from the file (compressed for gzip) and bytes of content. */
  onChunk?: (fileBytes: number, contentBytes: number) => void;
}

/**
 * One physical line (1-based `lineNo`), without terminator, BOM or trailing CR, decoded as UTF-8 —
 * or one record of a JSON document, `lineNo` being the line where it starts and `text` the record
 * (possibly over several lines).
 */
export interface LineText {
  kind: 'line';
  lineNo: number;
  text: string;
}

/** A line (or the rest of the file) that could not be read; `raw` is a bounded preview. */
export interface LineError {
  kind: 'error';
  lineNo: number;
  error: { reason: RejectReason; detail: string; raw: string };
}

/** What one read of a file saw. Byte counts are bytes, not KiB. */
export interface ReadSummary {
  path: string;
  /** Bytes read from the file as stored (compressed bytes for gzip). */
  bytes: number;
  /** Bytes of content after decompression (equal to `bytes` for plain files). */
  decompressed_bytes: number;
  /** Physical lines seen, including blank lines and lines skipped by `startLine`. */
  lines: number;
  blank_lines: number;
  /** Lines not returned because they were at or before `startLine`. */
  skipped_lines: number;
  /** Error items returned. */
  rejected: number;
  /** Content started with the gzip magic bytes 1f 8b. */
  gzip: boolean;
  /** The content ended early: a truncated or corrupt gzip stream, or a read error. */
  truncated: boolean;
}

/** The last item of a read. */
export interface ReadEnd {
  kind: 'summary';
  summary: ReadSummary;
}

export type LineItem = LineText | LineError;

/** True when the first two bytes are the gzip magic number 1f 8b (RFC 1952 §2.3.1). */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Reads a log file line by line, in batches (one batch per chunk read), so that bad input never
 * loses good input:
 * - gzip is recognised by its magic bytes, not the file name; concatenated members are read in turn
 *   (RFC 1952 §2.2); a truncated or corrupt stream keeps every complete line before the damage and
 *   ends with one `truncated_gzip` error naming the file and the line where reading stopped;
 * - lines are split on `\n` by byte search and decoded as UTF-8 one by one; a UTF-8 BOM at the start
 *   of a line and a trailing `\r` are removed; blank (whitespace-only) lines are counted and skipped;
 * - a JSON document (one array, a `{"Records":[…]}` envelope, pretty-printed objects one after
 *   another) is read record by record instead (option `jsonDocuments`), each record numbered by the
 *   line where it starts; a record cut by the end of the file is one `invalid_json` error;
 * - a line over `maxLineBytes` gives a `line_too_long` error (detail: bytes and limit) and its bytes are
 *   discarded up to the next newline without being buffered; reading continues;
 * - a line that is not valid UTF-8 gives `invalid_utf8`; a last line without a newline still counts.
 *
 * Memory stays flat in the file size (one chunk plus one line of at most `maxLineBytes`). The last
 * batch is followed by one `{ kind: 'summary' }` item. Throws only when the file cannot be opened.
 */
export async function* readLineBatches(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineItem[] | ReadEnd, void, undefined> {
  const maxLineBytes = options.maxLineBytes ?? 65536;
  const startLine = options.startLine ?? 0;
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let source: Readable = file;
  if (gzip) {
    const gunzip = createGunzip();
    file.on('error', (e) => gunzip.destroy(e));
    source = file.pipe(gunzip);
  }
  const s: ReadSummary = {
    path, bytes: 0, decompressed_bytes: 0, lines: 0, blank_lines: 0, skipped_lines: 0,
    rejected: 0, gzip, truncated: false,
  };
  const splitter = new BodySplitter(maxLineBytes, s, { documents: options.jsonDocuments ?? true, startLine, keepHeaderLines: options.keepHeaderLines ?? false });
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      s.decompressed_bytes += chunk.length;
      s.bytes = file.bytesRead;
      options.onChunk?.(s.bytes, s.decompressed_bytes);
      const batch = splitter.push(chunk);
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    s.bytes = file.bytesRead;
    s.truncated = true;
    const lineNo = s.lines + 1;
    const message = err instanceof Error ? err.message : String(err);
    const reason: RejectReason = gzip && !isFsError(err) ? 'truncated_gzip' : 'read_error';
    const what = reason === 'truncated_gzip' ? 'gzip stream truncated or corrupt' : 'read failed';
    s.rejected += 1;
    yield [{
      kind: 'error',
      lineNo,
      error: {
        reason,
        detail: `${path}: ${what} at line ${lineNo} after ${s.decompressed_bytes} bytes of content (${message}); the ${s.lines} lines before were kept`,
        raw: splitter.pendingPreview(),
      },
    }];
    yield { kind: 'summary', summary: s };
    return;
  } finally {
    file.destroy();
  }
  const last = splitter.end();
  if (last.length > 0) yield last;
  yield { kind: 'summary', summary: s };
}

/**
 * The same as {@link readLineBatches}, one item at a time: `{ kind: 'line', lineNo, text }` or
 * `{ kind: 'error', lineNo, error: { reason, detail, raw } }`, then one `{ kind: 'summary' }`.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineItem | ReadEnd, void, undefined> {
  for await (const batch of readLineBatches(path, options)) {
    if (Array.isArray(batch)) yield* batch;
    else yield batch;
  }
}

function isFsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && !code.startsWith('Z_') && code !== 'ERR_STREAM_PREMATURE_CLOSE';
}

export { RAW_PREVIEW_BYTES } from './line-splitter';
