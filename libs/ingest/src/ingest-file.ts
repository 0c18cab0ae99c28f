import { stat } from 'node:fs/promises';
import type { LogFormat } from '@denytrace/parsers';
import { fingerprint } from './fingerprint';
import { FileRun } from './file-run';
import { parserFormats } from './format-registry';
import { IngestError, type FileSummary, type IngestDeps, type IngestOptions } from './ingest-types';
import { readLineBatches, type LineItem, type ReadSummary } from './line-reader';

export * from './ingest-types';
export { enrich, UNKNOWN_FORMAT_QUARANTINE_LINES } from './file-run';

const SAMPLE_LINES = 20;
/** Items held back while the format is not known yet; past this, detection runs on the lines seen (a binary file gives few). */
const MAX_UNDETECTED_ITEMS = 1000;

/**
 * Ingests one log file (plain or gzip) into the store, following DESIGN.md "Storage":
 * 1. fingerprint the content ({@link fingerprint}); if the store has a `FileState` for it, lines up to
 *    its `lines` are not counted again (header lines starting with `#` are still shown to the parser so
 *    that a CloudFront `#Fields:` header keeps its meaning);
 * 2. pick the format: `opts.format` (unknown name → {@link IngestError} listing the known names), else the
 *    format remembered for this content, else detection on the first ≤ 20 non-blank lines (or on the
 *    lines among the first 1000 items, errors included, for a file of few readable lines). When nothing
 *    matches: with `opts.skipUnknownFormat` reading stops and the file is reported
 *    `skipped: 'unknown_format'` (records 0, rejected 0, nothing quarantined or remembered); else every
 *    new line is counted `unknown_format`, the first {@link UNKNOWN_FORMAT_QUARANTINE_LINES} quarantined;
 * 3. parse each line; enrich events from the network table; count every event in per-minute counters;
 *    send events with a refusal mark (every event with retention `all`) to `store.bulkInsert`, rejected
 *    lines to `store.quarantine` (raw text cut to 4096 chars), both in batches of `batchSize`;
 * 4. record the `FileState` (lines and content bytes read) after each flush and at the end, but only
 *    once the run produced a record or rejected nothing: a run with 0 records and ≥ 1 rejection
 *    remembers nothing, so a run with the wrong `--format` does not mark the file as read. A damaged
 *    gzip reports `truncated_gzip` once per run that read new lines (see {@link FileRun}).
 *
 * Throws only for usage errors and when the file cannot be opened; bad lines and damaged gzip are reported.
 */
export async function ingestFile(path: string, deps: IngestDeps, opts: IngestOptions = {}): Promise<FileSummary> {
  const registry = deps.formats ?? parserFormats;
  let format: LogFormat | undefined;
  if (opts.format) {
    format = registry.get(opts.format);
    if (!format) throw new IngestError(`unknown format "${opts.format}"; known formats: ${registry.names().join(', ')}`);
  }
  const totalBytes = (await stat(path)).size;
  const fp = await fingerprint(path);
  const state = await deps.store.getFileState(fp);
  if (!format && state?.format) format = registry.get(state.format);
  const run = new FileRun(path, fp, deps, opts, state?.lines ?? 0, registry.names());
  let buffered: LineItem[] | undefined = format ? undefined : [];
  const sample: string[] = [];
  if (format) run.start(format);
  let read: ReadSummary | undefined;
  for await (const batch of readLineBatches(path, {
    maxLineBytes: opts.maxLineBytes,
    startLine: state?.lines ?? 0,
    keepHeaderLines: true,
    onChunk: (bytes, contentBytes) => {
      run.contentBytes = contentBytes;
      opts.onProgress?.({ bytes, totalBytes, lines: run.lastLine });
    },
  })) {
    if (!Array.isArray(batch)) {
      read = batch.summary;
      break;
    }
    if (!buffered) {
      await run.handleAll(batch);
      continue;
    }
    for (const item of batch) {
      buffered.push(item);
      if (item.kind === 'line' && sample.length < SAMPLE_LINES) sample.push(item.text);
    }
    if (sample.length >= SAMPLE_LINES || buffered.length >= MAX_UNDETECTED_ITEMS) {
      const detected = registry.detect(sample)?.format;
      if (!detected && opts.skipUnknownFormat) return run.skippedAs('unknown_format'); // leaving the loop closes the file
      run.start(detected);
      await run.handleAll(buffered);
      buffered = undefined;
    }
  }
  if (buffered) {
    const detected = sample.length > 0 ? registry.detect(sample)?.format : undefined;
    if (!detected && opts.skipUnknownFormat && hasContent(buffered)) return run.skippedAs('unknown_format');
    run.start(detected);
    await run.handleAll(buffered);
  }
  if (!read) throw new IngestError('reading ended without a summary');
  return run.finish(read);
}

/** True when the items hold a line or a line-level error (not just a read failure of the whole file). */
function hasContent(items: readonly LineItem[]): boolean {
  return items.some((i) => i.kind === 'line' || (i.error.reason !== 'truncated_gzip' && i.error.reason !== 'read_error'));
}
