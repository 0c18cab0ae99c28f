import { createHash } from 'node:crypto';
import { readContentHead } from './content-head';
import { isGzipFile } from './line-reader';

/** How many bytes of (decompressed) content the fingerprint covers. */
export const FINGERPRINT_BYTES = 4096;

/**
 * The identity of a log file's content, independent of its name: SHA-256 over the first
 * {@link FINGERPRINT_BYTES} bytes of the *decompressed* content, followed by `:` and that length
 * in decimal, as 64 lower-case hex characters.
 *
 * - A log that grows keeps its fingerprint once it holds 4 KiB (its head does not change), so a
 *   re-read resumes after the lines already counted (`FileState.lines`).
 * - A rotated new file at the same path starts with other lines and gets another fingerprint.
 * - `access.log.1` and the same content later compressed to `access.log.1.gz` share one fingerprint.
 * - A file under 4 KiB that grows gets a new fingerprint (its head length changed), so it is read again
 *   from the start: its events are deduplicated by `event.id`, but its counters are added twice.
 *
 * A truncated gzip is fingerprinted over what can be decompressed.
 */
export async function fingerprint(path: string): Promise<string> {
  const head = await readContentHead(path, FINGERPRINT_BYTES, await isGzipFile(path));
  return createHash('sha256').update(head).update(`:${head.length}`).digest('hex');
}
