import { readdir, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { ingestFile, type FileSummary, type IngestDeps, type IngestOptions } from './ingest-file';

/** The outcome for one file: its summary, or why it could not be ingested at all. */
export type PathResult = { file: string; summary: FileSummary } | { file: string; error: string };

/**
 * The files a list of paths stands for: a file as given; a folder expanded recursively, skipping
 * names that start with `.`, in byte-wise sorted order. A path that cannot be read gives an error entry.
 */
export async function expandPaths(paths: readonly string[]): Promise<Array<{ file: string; error?: string }>> {
  const out: Array<{ file: string; error?: string }> = [];
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (st.isDirectory()) await walk(p, out);
      else out.push({ file: p });
    } catch (err) {
      out.push({ file: p, error: describe(err, p) });
    }
  }
  return out;
}

async function walk(dir: string, out: Array<{ file: string; error?: string }>): Promise<void> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort(byteOrder);
  for (const name of names) {
    const full = nodePath.join(dir, name);
    try {
      const st = await stat(full);
      if (st.isDirectory()) await walk(full, out);
      else if (st.isFile()) out.push({ file: full });
    } catch (err) {
      out.push({ file: full, error: describe(err, full) });
    }
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(err: unknown, path: string): string {
  const code = (err as { code?: string })?.code;
  if (code === 'ENOENT') return `${path}: no such file or directory`;
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied`;
  return `${path}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Ingests every file the paths stand for ({@link expandPaths}), one after another, with the same
 * deps and options. A file that fails as a whole (missing, unreadable, unknown `--format` name)
 * gives an error entry; the others are still ingested. `onFile` is called after each file.
 */
export async function ingestPaths(
  paths: readonly string[],
  deps: IngestDeps,
  opts: IngestOptions & { onFile?: (result: PathResult) => void } = {},
): Promise<PathResult[]> {
  const results: PathResult[] = [];
  for (const entry of await expandPaths(paths)) {
    let result: PathResult;
    if (entry.error) result = { file: entry.file, error: entry.error };
    else {
      try {
        result = { file: entry.file, summary: await ingestFile(entry.file, deps, opts) };
      } catch (err) {
        result = { file: entry.file, error: describe(err, entry.file) };
      }
    }
    results.push(result);
    opts.onFile?.(result);
  }
  return results;
}
