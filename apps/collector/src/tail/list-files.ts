import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every regular file under `dir`, recursively, skipping hidden entries (names starting with `.`,
 * files and folders alike, as Filebeat's and Vector's default globs do) and not following symbolic
 * links to folders (no loops). Sorted by path. A folder that does not exist (yet) gives no files.
 * A watched path that is a file is that file (its rotated copies are followed only when their folder
 * is watched).
 */
export async function listFiles(dir: string): Promise<string[]> {
  const st = await stat(dir).catch(() => undefined);
  if (st?.isFile()) return [dir];
  const out: string[] = [];
  await walk(dir, out);
  return out.sort();
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
}
