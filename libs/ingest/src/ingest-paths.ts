import { readdir, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { ingestDeployFile, isDeployFile } from './deploy-file';
import { ingestFile, type FileSummary, type IngestDeps, type IngestOptions } from './ingest-file';

/** The outcome for one file: its summary, or why it could not be ingested at all. */
export type PathResult = { file: string; summary: FileSummary } | { file: string; error: string };

/** One file a path stands for; `fromFolder` when it was found by expanding a folder, not named by the user. */
export interface ExpandedPath {
  file: string;
  fromFolder: boolean;
  /** Why the path cannot be read, without the path itself (callers print `file: error`). */
  error?: string;
}

/**
 * The files a list of paths stands for: a file as given; a folder expanded recursively, skipping
 * names that start with `.`, in byte-wise sorted order. A path that cannot be read gives an error
 * entry (`no such file or directory`, `permission denied`, …); a folder holding no file at any depth
 * gives the entry `{ file: <folder>, error: 'no files found in this folder' }` (with the number of
 * hidden files skipped, if any).
 */
export async function expandPaths(paths: readonly string[]): Promise<ExpandedPath[]> {
  const out: ExpandedPath[] = [];
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) {
        out.push({ file: p, fromFolder: false });
        continue;
      }
      const before = out.length;
      const hidden = await walk(p, out);
      if (out.length === before) {
        out.push({ file: p, fromFolder: false, error: `no files found in this folder${hidden > 0 ? ` (${hidden} hidden ${hidden === 1 ? 'entry' : 'entries'} skipped)` : ''}` });
      }
    } catch (err) {
      out.push({ file: p, fromFolder: false, error: describe(err) });
    }
  }
  return out;
}

/** Appends the files under `dir`; returns how many hidden entries were skipped. */
async function walk(dir: string, out: ExpandedPath[]): Promise<number> {
  const all = await readdir(dir);
  const names = all.filter((n) => !n.startsWith('.')).sort(byteOrder);
  let hidden = all.length - names.length;
  for (const name of names) {
    const full = nodePath.join(dir, name);
    try {
      const st = await stat(full);
      if (st.isDirectory()) hidden += await walk(full, out);
      else if (st.isFile()) out.push({ file: full, fromFolder: true });
    } catch (err) {
      out.push({ file: full, fromFolder: true, error: describe(err) });
    }
  }
  return hidden;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file-level failure in words, without the path (the caller prints `file: error`). */
function describe(err: unknown): string {
  const e = err as { code?: string; path?: string; dest?: string } | undefined;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a directory';
  const message = err instanceof Error ? err.message : String(err);
  if (!e?.path) return message;
  // Node's fs messages end with `, <syscall> '<path>'`: drop the path, the caller prints it
  let short = message;
  for (const p of [e.path, e.dest]) if (p) short = short.replace(` '${p}'`, '');
  return short.replace(/, (\w+)$/, ' ($1)');
}

/**
 * Ingests every file the paths stand for ({@link expandPaths}), one after another, with the same
 * deps and options. A file that fails as a whole (missing, unreadable, unknown `--format` name)
 * gives an error entry; the others are still ingested. A file found by expanding a folder whose
 * format is not detected is not read: its summary says `skipped: 'unknown_format'` (records 0,
 * rejected 0, nothing quarantined). A file named explicitly is always read (unknown lines counted
 * `unknown_format`). `onFile` is called after each file.
 */
export async function ingestPaths(
  paths: readonly string[],
  deps: IngestDeps,
  opts: IngestOptions & { onFile?: (result: PathResult) => void } = {},
): Promise<PathResult[]> {
  const results: PathResult[] = [];
  for (const entry of await expandPaths(paths)) {
    const result = await ingestEntry(entry, deps, opts);
    results.push(result);
    opts.onFile?.(result);
  }
  return results;
}

/** The `--format` name of deploy-events files (recognised by content without it). */
export const DEPLOYS_FORMAT = 'deploys';

/** One expanded path through {@link ingestFile} (or {@link ingestDeployFile} for deploy events): its summary, or the reason it could not be read at all. */
export async function ingestEntry(entry: ExpandedPath, deps: IngestDeps, opts: IngestOptions): Promise<PathResult> {
  if (entry.error) return { file: entry.file, error: entry.error };
  try {
    const deploys = opts.format === DEPLOYS_FORMAT || (!opts.format && (await isDeployFile(entry.file)));
    if (deploys) return { file: entry.file, summary: await ingestDeployFile(entry.file, deps) };
    return { file: entry.file, summary: await ingestFile(entry.file, deps, { ...opts, skipUnknownFormat: entry.fromFolder }) };
  } catch (err) {
    return { file: entry.file, error: describe(err) };
  }
}
