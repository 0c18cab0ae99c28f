import { stat } from 'node:fs/promises';
import { isGzipFile } from '@denytrace/ingest';
import { tailGzipFile } from './gzip-file.tailer';
import { listFiles } from './list-files';
import { tailPlainFile } from './plain-file.tailer';
import { newTailedFile, type FileTailerDeps, type TailedFile } from './tailed-file';

/** What one poll did, for logs and tests. */
export interface PollResult {
  /** Regular files seen in the watched folders. */
  files: number;
  /** Files that failed this poll (they are retried on the next one). */
  failed: number;
}

/**
 * Polls folders of log files: each {@link pollOnce} lists them recursively (hidden entries skipped),
 * and for every regular file, identified in memory by device+inode, reads what is new — plain files
 * tailed by byte offset (`tailPlainFile`), gzip files read once whole (`tailGzipFile`). Offsets live
 * in the store's file state, so a new `FolderTailer` over the same store resumes where the last one
 * committed. Plain code (no Nest): `TailService` runs it on a timer.
 */
export class FolderTailer {
  private readonly files = new Map<string, TailedFile>();
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly folders: readonly string[],
    private readonly deps: FileTailerDeps,
  ) {}

  /** One poll of every folder. Calls are serialised: a call during a poll runs after it. */
  pollOnce(): Promise<PollResult> {
    const next = this.running.then(() => this.poll());
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Resolves when the poll in progress (if any) has ended. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async poll(): Promise<PollResult> {
    const seen = new Set<string>();
    let files = 0;
    let failed = 0;
    for (const folder of this.folders) {
      for (const path of await listFiles(folder)) {
        try {
          const st = await stat(path);
          if (!st.isFile()) continue;
          const id = `${st.dev}:${st.ino}`;
          if (seen.has(id)) continue; // a hard link or symlink to a file already read
          seen.add(id);
          files += 1;
          if (st.size < 2 && !this.files.has(id)) continue; // nothing to read yet, and too short to tell gzip from plain
          let tf = this.files.get(id);
          if (!tf) {
            tf = newTailedFile(id, path, await isGzipFile(path));
            this.files.set(id, tf);
          }
          tf.path = path;
          if (tf.gzip) await tailGzipFile(this.deps, tf, st);
          else await tailPlainFile(this.deps, tf, st);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') continue; // rotated away between listing and reading: seen under its new name next poll
          failed += 1;
          this.deps.warn(`${path}: ${err instanceof Error ? err.message : String(err)}; retried on the next poll`);
        }
      }
    }
    for (const id of this.files.keys()) if (!seen.has(id)) this.files.delete(id);
    return { files, failed };
  }
}
