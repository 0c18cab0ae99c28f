import type { FormatRegistry, LineItem } from '@denytrace/ingest';
import type { LineParser, LogFormat, ParserOptions } from '@denytrace/parsers';
import type { TailSink } from './tail-batch';

/** Lines format detection looks at (the parsers' `DETECT_SAMPLE_LINES`). */
export const DETECT_LINES = 20;

/**
 * What the tailer keeps in memory about one file, by device+inode (`<dev>:<ino>`), between polls.
 * The persisted truth is the store's `FileState` (see `tail-identity.ts`); this only saves work and
 * tells a truncated file (same inode, now smaller) from a rotated one.
 */
export interface TailedFile {
  id: string;
  path: string;
  gzip: boolean;
  /** Size and mtime (ms) as last seen: unchanged means nothing to read. */
  size: number;
  mtimeMs: number;
  /** Bytes and physical lines accounted for (plain files). */
  offset: number;
  lines: number;
  /** The first min(offset, 1 KiB) bytes as read: a file whose head differs is not this one any more. */
  head: Buffer;
  format?: LogFormat;
  parser?: LineParser;
  /** A gzip read whole, or a file whose first 20 lines match no format: not read again while unchanged. */
  done: boolean;
}

/** What reading one file needs. */
export interface FileTailerDeps {
  sink: TailSink;
  formats: FormatRegistry;
  parserOptions: ParserOptions;
  maxLineBytes: number;
  /** Lines parsed (or rejected) per store write; a backlog is written in several batches. */
  batchLines: number;
  /** Reports a file that is skipped (no known format) or failed; never called per line. */
  warn(message: string): void;
}

/** A fresh record for a file first seen now. */
export function newTailedFile(id: string, path: string, gzip: boolean): TailedFile {
  return { id, path, gzip, size: -1, mtimeMs: -1, offset: 0, lines: 0, head: Buffer.alloc(0), done: false };
}

/**
 * Holds a file's first lines until the format is known: the remembered one, else detection on the
 * first {@link DETECT_LINES} non-blank lines (or on fewer at the end of what is there now).
 */
export class FormatGate {
  private buffered: LineItem[] = [];
  private readonly sample: string[] = [];
  format: LogFormat | undefined;

  constructor(private readonly formats: FormatRegistry, known: LogFormat | undefined) {
    this.format = known;
  }

  /** Buffers items; returns the buffered items to parse once the format is decided, else undefined. */
  offer(items: readonly LineItem[]): LineItem[] | undefined {
    if (this.format) return [...items];
    for (const item of items) {
      this.buffered.push(item);
      if (item.kind === 'line' && this.sample.length < DETECT_LINES) this.sample.push(item.text);
    }
    if (this.sample.length < DETECT_LINES) return undefined;
    return this.decide();
  }

  /** At the end of the lines there are now: decides on the sample so far. */
  end(): LineItem[] | undefined {
    if (this.format) return [];
    return this.sample.length > 0 ? this.decide() : undefined;
  }

  /** True when detection looked at a full sample and nothing matched. */
  get hopeless(): boolean {
    return !this.format && this.sample.length >= DETECT_LINES;
  }

  private decide(): LineItem[] | undefined {
    this.format = this.formats.detect(this.sample)?.format;
    if (!this.format) return undefined;
    const out = this.buffered;
    this.buffered = [];
    return out;
  }
}
