import type { Stats } from 'node:fs';
import { gzipTrailerSize, readContentHead, readLineBatches, type LineItem } from '@denytrace/ingest';
import type { LogFormat } from '@denytrace/parsers';
import type { FileState } from '@denytrace/store';
import { TailBatch } from './tail-batch';
import { findState, HEAD_BYTES, stateKey } from './tail-identity';
import { FormatGate, type FileTailerDeps, type TailedFile } from './tailed-file';

/** A gzip cut short whose mtime is younger than this is taken as still being written, ms. */
export const GZIP_SETTLE_MS = 5000;
const UINT32 = 2 ** 32;

/**
 * Reads a new gzip file (a rotated log, compressed) once, whole — Filebeat's filestream reads `.gz`
 * files whole and does not tail them
 * (https://www.elastic.co/guide/en/beats/filebeat/current/filebeat-input-filestream.html#reading-gzip-files),
 * as does Vector's file source.
 *
 * The content was usually tailed already under its plain name: the first 1 KiB of the decompressed
 * content maps to the same file state (`findState`), and the lines up to `FileState.lines` are skipped
 * (their `#` headers still reach the parser). When that state already covers the whole content (its
 * `bytes` equal the gzip ISIZE trailer, RFC 1952 §2.3.1), the file is not decompressed at all.
 * A gzip cut short is quarantined once as `truncated_gzip` with the lines before the cut kept — unless
 * its mtime is under {@link GZIP_SETTLE_MS} old (logrotate still compressing): then only its complete
 * lines are taken and the rest waits for the next poll.
 */
export async function tailGzipFile(deps: FileTailerDeps, tf: TailedFile, st: Stats, now = Date.now()): Promise<void> {
  if (tf.done && tf.size === st.size && tf.mtimeMs === st.mtimeMs) return;
  const head = await readContentHead(tf.path, HEAD_BYTES, true);
  const state = await findState(deps.sink.store, head);
  const isize = await gzipTrailerSize(tf.path, st.size);
  const whole = state !== undefined && state.lines > 0 && isize !== undefined && state.bytes % UINT32 === isize;
  if (!whole) await readGzip(deps, tf, st, head, state, now - st.mtimeMs < GZIP_SETTLE_MS);
  else tf.done = true;
  tf.size = st.size;
  tf.mtimeMs = st.mtimeMs;
}

async function readGzip(deps: FileTailerDeps, tf: TailedFile, st: Stats, head: Buffer, state: FileState | undefined, young: boolean): Promise<void> {
  const startLine = state?.lines ?? 0;
  const gate = new FormatGate(deps.formats, state?.format ? deps.formats.get(state.format) : undefined);
  const headers: Array<{ text: string; lineNo: number }> = [];
  let batch: TailBatch | undefined;
  let lastLine = startLine;
  let newLines = 0;
  let cut = false;
  const open = (format: LogFormat): TailBatch => {
    const parser = format.createParser({ ...deps.parserOptions, sourceName: tf.path });
    for (const h of headers) parser.parse(h.text, h.lineNo);
    return new TailBatch(deps.sink, tf.path, parser);
  };
  const fileState = (lines: number, bytes: number, contentLength: number, format: LogFormat): FileState => ({
    fingerprint: stateKey(head, contentLength, bytes), path: tf.path, lines, bytes, format: format.name, updated_at: new Date().toISOString(),
  });
  const take = (items: readonly LineItem[]) => {
    const ready = gate.offer(items);
    if (!ready) return;
    batch ??= open(gate.format!);
    for (const item of ready) batch.handle(item);
  };
  let read;
  for await (const b of readLineBatches(tf.path, { startLine, keepHeaderLines: true, maxLineBytes: deps.maxLineBytes })) {
    if (!Array.isArray(b)) {
      read = b.summary;
      break;
    }
    const fresh: LineItem[] = [];
    for (const item of b) {
      if (item.kind === 'error' && item.error.reason === 'truncated_gzip') {
        cut = true;
        if (young || (startLine > 0 && newLines === 0)) continue; // still being written, or the same cut reported before
      } else if (item.lineNo <= startLine) {
        if (item.kind === 'line') headers.push({ text: item.text, lineNo: item.lineNo });
        continue;
      }
      newLines += 1;
      lastLine = Math.max(lastLine, item.lineNo);
      fresh.push(item);
    }
    take(fresh);
    if (gate.hopeless) break;
    const current = batch as TailBatch | undefined;
    if (current && current.pending >= deps.batchLines) await current.flush(fileState(lastLine, state?.bytes ?? 0, head.length, gate.format!));
  }
  if (!batch && !gate.hopeless) {
    const ready = gate.end();
    if (ready) {
      batch = open(gate.format!);
      for (const item of ready) batch.handle(item);
    }
  }
  const final = batch as TailBatch | undefined;
  if (!final) {
    tf.done = !(cut && young);
    if (newLines > 0 && tf.done) deps.warn(`${tf.path}: no known format matched its first lines; not read (known: ${deps.formats.names().join(', ')})`);
    return;
  }
  const content = read?.decompressed_bytes ?? 0;
  const whole = !cut && read !== undefined;
  const lines = whole ? Math.max(read!.lines, startLine) : lastLine;
  await final.flush(fileState(lines, whole ? content : state?.bytes ?? 0, whole ? content : head.length, gate.format!));
  tf.done = !(cut && young);
}
