import { readContentHead } from './content-head';
import { open } from 'node:fs/promises';
import type { LineItem, ReadSummary } from './line-reader';
import { LineSplitter } from './line-splitter';

const NL = 0x0a;

/** Options of {@link readCompleteLines}. Offsets are bytes of the file as stored (plain files only). */
export interface CompleteLinesOptions {
  /** Byte offset to start at; must be the start of a line (0, or just after a `\n`). */
  offset: number;
  /** Byte offset to stop at (exclusive), usually the file size seen by `stat` before reading. */
  end: number;
  /** Physical lines before `offset`: numbering of the lines read continues after them. */
  lines: number;
  /** Longest line accepted in bytes (default 65536); longer ones give `line_too_long`. */
  maxLineBytes?: number;
  /** Read size in bytes. Default 1 MiB. */
  chunkBytes?: number;
}

/** Lines completed by one read chunk, and how far the file is accounted for after them. */
export interface CompleteLinesChunk {
  items: LineItem[];
  /** Byte just after the last `\n` read so far: every line before it is in `items` of this or an earlier chunk. */
  offset: number;
  /** Physical lines before `offset` (the saved `lines` plus lines completed so far, blank ones included). */
  lines: number;
}

/**
 * Reads a growing plain log file from a byte offset to the last complete line before `end`, for
 * tailing: a trailing line without its `\n` is not returned and not counted (it waits for the next
 * read, which starts again at the returned `offset`). Line rules are those of `readLineBatches`
 * (BOM on line 1 and trailing `\r` removed, blank lines counted and skipped, `line_too_long`,
 * `invalid_utf8`). Yields once per chunk that completed at least one line. Memory: one chunk plus one
 * line of at most `maxLineBytes`.
 */
export async function* readCompleteLines(path: string, o: CompleteLinesOptions): AsyncGenerator<CompleteLinesChunk, void, undefined> {
  const chunkBytes = o.chunkBytes ?? 1 << 20;
  const s: ReadSummary = { path, bytes: 0, decompressed_bytes: 0, lines: o.lines, blank_lines: 0, skipped_lines: 0, rejected: 0, gzip: false, truncated: false };
  const splitter = new LineSplitter(o.maxLineBytes ?? 65536, 0, s);
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let pos = o.offset;
    while (pos < o.end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(chunkBytes, o.end - pos), pos);
      if (bytesRead === 0) break; // the file shrank while reading: the next read sees it
      const chunk = buf.subarray(0, bytesRead);
      const lastNl = chunk.lastIndexOf(NL);
      const items = splitter.push(chunk);
      const chunkStart = pos;
      pos += bytesRead;
      if (lastNl !== -1) yield { items, offset: chunkStart + lastNl + 1, lines: s.lines };
    }
  } finally {
    await fh.close();
  }
}


/**
 * The ISIZE field of a gzip file's last member (RFC 1952 §2.3.1: uncompressed length modulo 2^32,
 * little-endian, the file's last 4 bytes), or undefined when the file is shorter than a gzip header.
 * For a single-member file it is the length of the whole content mod 2^32.
 */
export async function gzipTrailerSize(path: string, fileSize: number): Promise<number | undefined> {
  if (fileSize < 18) return undefined;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, fileSize - 4);
    return buf.readUInt32LE(0);
  } finally {
    await fh.close();
  }
}

export { readContentHead };
