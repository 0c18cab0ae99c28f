import type { ParserOptions } from '@denytrace/parsers';
import type { DenyEvent } from '@denytrace/schema';
import type { CounterRow, DimensionCounterRow, QuarantineRow, Retention } from '@denytrace/store';
import type { NetworkTable } from '@denytrace/network';
import { decodeBody, type DecodeStats } from './body-decoder';
import { BodySplitter } from './body-splitter';
import { parserFormats, type FormatRegistry } from './format-registry';
import { IngestError } from './ingest-types';
import type { LineItem, ReadSummary } from './line-reader';
import { unwrapEnvelope } from './shipper-envelope';
import { STREAM_DETECT_LINES, StreamRun, type StreamTotals } from './stream-run';

export { PayloadTooLargeError, BadGzipError } from './body-decoder';

/** Options of {@link parseBody}. Sizes are bytes. */
export interface ParseBodyOptions {
  /** A format name to force (`?format=`); unknown names throw {@link IngestError}. */
  format?: string;
  /** Name of the stream for quarantine rows and `denytrace.source_file` (e.g. `http:<request id>`). */
  sourceName: string;
  /** `gzip` (Content-Encoding said so), `identity`, or `auto` (gzip when the body starts with 1f 8b). */
  encoding: 'gzip' | 'identity' | 'auto';
  /** Largest decompressed body (`DENYTRACE_INGEST_MAX_BYTES`). */
  maxBytes: number;
  /** Largest body as sent; default `maxBytes` + 1 MiB (gzip of incompressible data is a little larger). */
  maxCompressedBytes?: number;
  /** Longest record (line or array element) in bytes; default 65536. */
  maxLineBytes?: number;
  retention?: Retention;
  parserOptions?: ParserOptions;
  network?: NetworkTable;
  formats?: FormatRegistry;
}

/** A whole body parsed in memory, ready for one `store.writeBatch`. */
export interface ParsedBody {
  /** Events to store: those with a refusal mark, or all with retention `all`. */
  events: DenyEvent[];
  /** Per-minute counts of every event. */
  counters: CounterRow[];
  /** Request counts by spike dimension. */
  dimension_counters: DimensionCounterRow[];
  quarantine: QuarantineRow[];
  totals: StreamTotals;
  /** `lines` (raw lines or NDJSON) or `array` (one JSON array). */
  framing: 'lines' | 'array';
  /** Records seen (physical lines or array elements), blank lines included. */
  lines: number;
  blank_lines: number;
  /** Records that were a shipper envelope (`message`/`log`) and were unwrapped. */
  unwrapped: number;
  /** Bytes as sent and after decompression. */
  compressed_bytes: number;
  bytes: number;
  gzip: boolean;
  /**
   * Identity of this body for "sent twice" checks: SHA-256 over the decompressed bytes, with the
   * forced format name, as `push:<hex>` (never equal to a file fingerprint, which is bare hex).
   */
  digest: string;
}

/**
 * Reads a pushed log body — raw lines, NDJSON, or one JSON array; plain or gzip; possibly wrapped by
 * a shipper (see {@link unwrapEnvelope}) — into memory, bounded by `maxBytes`, without writing
 * anything: the caller writes it all at once, so a body that fails half-way leaves nothing behind.
 * Lines follow the file rules (BOM, CRLF, `line_too_long`, `invalid_utf8`); the format is detected
 * per line group ({@link StreamRun}) unless forced.
 * @throws PayloadTooLargeError, BadGzipError (nothing returned; the caller answers 413 / 400)
 * @throws IngestError for an unknown `format` name
 */
export async function parseBody(source: AsyncIterable<Buffer>, opts: ParseBodyOptions): Promise<ParsedBody> {
  const registry = opts.formats ?? parserFormats;
  const forced = opts.format ? registry.get(opts.format) : undefined;
  if (opts.format && !forced) throw new IngestError(`unknown format "${opts.format}"; known formats: ${registry.names().join(', ')}`);
  const stats: DecodeStats = { compressedBytes: 0, bytes: 0, gzip: false, digest: null };
  const summary: ReadSummary = { path: opts.sourceName, bytes: 0, decompressed_bytes: 0, lines: 0, blank_lines: 0, skipped_lines: 0, rejected: 0, gzip: false, truncated: false };
  const splitter = new BodySplitter(opts.maxLineBytes ?? 65536, summary);
  const run = new StreamRun({
    registry, format: forced, sourceName: opts.sourceName, parserOptions: opts.parserOptions, keepAll: opts.retention === 'all', network: opts.network,
  });
  const queue: LineItem[] = [];
  let head = 0;
  let unwrapped = 0;
  const enqueue = (items: LineItem[]): void => {
    for (const item of items) {
      if (item.kind === 'line') {
        const inner = unwrapEnvelope(item.text);
        if (inner !== undefined) {
          unwrapped += 1;
          const text = inner.endsWith('\r') ? inner.slice(0, -1) : inner;
          if (text.trim() === '') {
            summary.blank_lines += 1;
            continue;
          }
          item.text = text;
        }
      }
      queue.push(item);
    }
  };
  const drain = (all: boolean): void => {
    while (queue.length - head > (all ? 0 : STREAM_DETECT_LINES)) {
      const item = queue[head++];
      run.handle(item, queue.slice(head, head + STREAM_DETECT_LINES));
    }
    if (head > 4096) {
      queue.splice(0, head);
      head = 0;
    }
  };
  const maxCompressedBytes = opts.maxCompressedBytes ?? opts.maxBytes + (1 << 20);
  for await (const chunk of decodeBody(source, { encoding: opts.encoding, maxBytes: opts.maxBytes, maxCompressedBytes }, stats)) {
    enqueue(splitter.push(chunk));
    drain(false);
  }
  enqueue(splitter.end());
  drain(true);
  return {
    events: run.events,
    counters: run.drainCounters(),
    dimension_counters: run.drainDimensionCounters(),
    quarantine: run.quarantine,
    totals: run.totals,
    framing: splitter.framing === 'array' ? 'array' : 'lines',
    lines: summary.lines,
    blank_lines: summary.blank_lines,
    unwrapped,
    compressed_bytes: stats.compressedBytes,
    bytes: stats.bytes,
    gzip: stats.gzip,
    digest: `push:${stats.digest ?? ''}${forced ? `:${forced.name}` : ''}`,
  };
}
