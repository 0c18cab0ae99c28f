import type { Stats } from 'node:fs';
import { readCompleteLines, readContentHead, type CompleteLinesChunk } from '@denytrace/ingest';
import type { LogFormat } from '@denytrace/parsers';
import { TailBatch } from './tail-batch';
import { findState, HEAD_BYTES, stateKey } from './tail-identity';
import { FormatGate, type FileTailerDeps, type TailedFile } from './tailed-file';

/** How much of a file's start is re-read for `#` header lines when a stateful parser resumes mid-file. */
const HEADER_SCAN_BYTES = 64 * 1024;

/**
 * Reads what a plain (uncompressed) file gained since the last poll, following what Filebeat's
 * filestream input and Vector's file source do with rotation
 * (https://www.elastic.co/guide/en/beats/filebeat/current/file-log-rotation.html,
 * https://vector.dev/docs/reference/configuration/sources/file/):
 *
 * - **where to start**: the in-memory record of this inode when its head is unchanged and it did not
 *   shrink; otherwise the store's `FileState` found by content (`findState`), so a restart, a rename
 *   (`access.log` → `access.log.1`, same content) or a copy resumes at the saved byte offset;
 * - **truncation** (`copytruncate`): a file now smaller than the offset its content maps to starts
 *   again at 0, as Filebeat does when it sees a file shrink;
 * - **what to read**: bytes from the offset to the size `stat` saw, cut after the last `\n`: a trailing
 *   partial line waits for its newline and is never counted twice;
 * - **format**: the one remembered in the file state, else detection on the first 20 non-blank lines
 *   (fewer when that is all there is). No match on 20 lines: the file is skipped while it only grows
 *   (not quarantined, like `ingest` on a folder); on fewer, it is tried again when it grows;
 * - **writes**: every `batchLines` lines and at the end, one `TailBatch.flush` — events, counters,
 *   quarantine and the new offset (`FileState.bytes`, `FileState.lines`) in one transaction.
 *
 * Mutates `tf`; on a thrown error `tf` still describes what was committed, so the next poll retries.
 */
export async function tailPlainFile(deps: FileTailerDeps, tf: TailedFile, st: Stats): Promise<void> {
  if (tf.size === st.size && tf.mtimeMs === st.mtimeMs) return;
  if (tf.done && st.size >= tf.size) {
    tf.size = st.size;
    tf.mtimeMs = st.mtimeMs;
    return;
  }
  const head = await readContentHead(tf.path, HEAD_BYTES, false);
  const known = tf.size >= 0 && st.size >= tf.offset && head.length >= tf.head.length && head.subarray(0, tf.head.length).equals(tf.head);
  if (!known) {
    const state = await findState(deps.sink.store, head);
    const resume = state && state.bytes <= st.size ? state : undefined;
    tf.offset = resume?.bytes ?? 0;
    tf.lines = resume?.lines ?? 0;
    tf.head = Buffer.from(head.subarray(0, Math.min(tf.offset, HEAD_BYTES)));
    tf.format = resume?.format ? deps.formats.get(resume.format) : undefined;
    tf.parser = undefined;
  }
  tf.done = false;
  if (tf.offset < st.size) await readNew(deps, tf, st, head);
  tf.size = st.size;
  tf.mtimeMs = st.mtimeMs;
}

async function readNew(deps: FileTailerDeps, tf: TailedFile, st: Stats, head: Buffer): Promise<void> {
  const gate = new FormatGate(deps.formats, tf.format);
  let batch: TailBatch | undefined;
  let last: CompleteLinesChunk | undefined;
  const flush = async (b: TailBatch, at: CompleteLinesChunk, format: LogFormat) => {
    await b.flush({
      fingerprint: stateKey(head, st.size, at.offset),
      path: tf.path, lines: at.lines, bytes: at.offset, format: format.name, updated_at: new Date().toISOString(),
    });
    tf.offset = at.offset;
    tf.lines = at.lines;
    tf.head = Buffer.from(head.subarray(0, Math.min(at.offset, HEAD_BYTES)));
  };
  for await (const chunk of readCompleteLines(tf.path, { offset: tf.offset, end: st.size, lines: tf.lines, maxLineBytes: deps.maxLineBytes })) {
    last = chunk;
    const ready = gate.offer(chunk.items);
    if (!ready) {
      if (gate.hopeless) break;
      continue;
    }
    batch ??= await openBatch(deps, tf, gate.format!);
    for (const item of ready) batch.handle(item);
    if (batch.pending >= deps.batchLines) await flush(batch, chunk, gate.format!);
  }
  if (!batch && !gate.hopeless) {
    const ready = gate.end();
    if (ready) {
      batch = await openBatch(deps, tf, gate.format!);
      for (const item of ready) batch.handle(item);
    }
  }
  if (!batch) {
    if (gate.hopeless) {
      tf.done = true;
      deps.warn(`${tf.path}: no known format matched its first lines; not tailed (known: ${deps.formats.names().join(', ')})`);
    }
    return;
  }
  if (last && last.offset > tf.offset) await flush(batch, last, gate.format!);
}

/** Sets up the file's parser (kept between polls); a parser resuming mid-file first sees the `#` header lines. */
async function openBatch(deps: FileTailerDeps, tf: TailedFile, format: LogFormat): Promise<TailBatch> {
  if (!tf.parser || tf.format !== format) {
    tf.format = format;
    tf.parser = format.createParser({ ...deps.parserOptions, sourceName: tf.path });
    if (tf.offset > 0) {
      const end = Math.min(tf.offset, HEADER_SCAN_BYTES);
      for await (const chunk of readCompleteLines(tf.path, { offset: 0, end, lines: 0, maxLineBytes: deps.maxLineBytes })) {
        for (const item of chunk.items) if (item.kind === 'line' && item.text.charCodeAt(0) === 0x23) tf.parser.parse(item.text, item.lineNo);
      }
    }
  }
  return new TailBatch(deps.sink, tf.path, tf.parser);
}
