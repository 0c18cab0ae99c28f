import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Retention } from '@denytrace/store';
import { expandPaths, ingestEntry, type PathResult } from './ingest-paths';
import type { IngestDeps, IngestOptions, IngestProgress } from './ingest-types';

/** What every ingest thread opens for itself. */
export interface ThreadSetup {
  dataDir: string;
  retention: Retention;
  /** The network table CSV, when the user gave one. */
  networkCsv?: string;
}

/** One file for a thread; options must be plain data (no callbacks). */
export interface ThreadRequest {
  file: string;
  fromFolder: boolean;
  opts: Omit<IngestOptions, 'onProgress' | 'skipUnknownFormat'>;
}

export type ThreadMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; file: string; progress: IngestProgress }
  | { kind: 'result'; result: PathResult };

const THREAD_SCRIPT = join(__dirname, 'ingest-thread.js');

/**
 * `ingestPaths` on several cores: files are spread over worker threads (largest first), each with
 * its own store connection (SQLite in WAL takes one writer at a time; only refusal-marked events
 * and counter rows are written, so the lock is short) — parsing, the bulk of the work, runs in
 * parallel. Results come back in the order of `expandPaths`. With one thread, one file, or when
 * running from TypeScript sources (tests: no compiled thread script), it is `ingestPaths` itself.
 *
 * @param threads default: the machine's available parallelism, at most the number of files.
 * @param deps.store used only on the single-thread path.
 */
export async function ingestPathsParallel(
  paths: readonly string[],
  setup: ThreadSetup & { deps: IngestDeps },
  opts: Omit<IngestOptions, 'onProgress'> & { threads?: number; onFile?: (r: PathResult) => void; onProgress?: (file: string, p: IngestProgress) => void } = {},
): Promise<PathResult[]> {
  const entries = await expandPaths(paths);
  const readable = entries.filter((e) => !e.error);
  const threads = Math.min(opts.threads ?? availableParallelism(), readable.length);
  const { threads: _threads, onFile, onProgress, ...plain } = opts;
  if (threads <= 1 || !existsSync(THREAD_SCRIPT)) {
    const out: PathResult[] = [];
    for (const e of entries) {
      const r = await ingestEntry(e, setup.deps, { ...plain, onProgress: onProgress ? (p) => onProgress(e.file, p) : undefined });
      out.push(r);
      onFile?.(r);
    }
    return out;
  }
  const results = new Map<string, PathResult>();
  for (const e of entries) if (e.error) {
    const r = { file: e.file, error: e.error };
    results.set(e.file, r);
    onFile?.(r);
  }
  const sizes = await Promise.all(readable.map(async (e) => (await stat(e.file).catch(() => ({ size: 0 }))).size));
  const queue = readable.map((e, i) => ({ e, size: sizes[i] })).sort((a, b) => b.size - a.size).map((x) => x.e);
  const setupData: ThreadSetup = { dataDir: setup.dataDir, retention: setup.retention, networkCsv: setup.networkCsv };

  await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(THREAD_SCRIPT, { workerData: setupData });
        const next = () => {
          const e = queue.shift();
          if (!e) {
            worker.postMessage('close');
            return;
          }
          worker.postMessage({ file: e.file, fromFolder: e.fromFolder, opts: plain } satisfies ThreadRequest);
        };
        worker.on('message', (m: ThreadMessage) => {
          if (m.kind === 'ready') next();
          else if (m.kind === 'progress') onProgress?.(m.file, m.progress);
          else {
            results.set(m.result.file, m.result);
            onFile?.(m.result);
            next();
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ingest thread exited with code ${code}`))));
      }),
    ),
  );
  return entries.map((e) => results.get(e.file)!);
}
