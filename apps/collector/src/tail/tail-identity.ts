import { createHash } from 'node:crypto';
import type { EventStore, FileState } from '@denytrace/store';

/**
 * Bytes of content that name a tailed file once it is that long: 1 KiB, Filebeat's default
 * fingerprint length (`prospector.scanner.fingerprint.length: 1024`,
 * https://www.elastic.co/guide/en/beats/filebeat/current/filebeat-input-filestream.html#filebeat-input-filestream-file-identity-fingerprint).
 */
export const HEAD_BYTES = 1024;
/** At most this many line-prefix keys are looked up for one file (the longest first). */
const MAX_PREFIX_LOOKUPS = 64;
const NL = 0x0a;

/**
 * How a tailed file is identified in the store's file state (`FileState.fingerprint`): by its
 * content, never by its name, and not by device+inode either.
 *
 * - A file holding ≥ {@link HEAD_BYTES} bytes of content is `head:<sha256 of its first 1 KiB>`, like
 *   Filebeat's `file_identity.fingerprint` and Vector's `fingerprint.strategy: checksum`
 *   (https://vector.dev/docs/reference/configuration/sources/file/#fingerprint). The head of a log
 *   never changes while it grows, a rename keeps it, a copy keeps it, and the gzip of a rotated file
 *   decompresses to it, so one lookup finds the offset for all of them.
 * - A shorter file is `prefix:<sha256 of the content read so far>` (up to the last complete line
 *   read). Its key moves as it grows; the next read finds it again by hashing the file's prefixes at
 *   each line end (longest first). This also matches a short rotated `.gz` to its plain predecessor.
 *
 * Why not `inode:<dev>:<ino>`: inodes are reused after a delete (Filebeat documents the lost or
 * doubled data this causes with its native identity), and they do not survive a copy. Device+inode
 * is still what the tailer keeps *in memory* to tell a truncated file (same inode, smaller) from a
 * new one; only the persisted key is content-based.
 */
export function headKey(head: Buffer): string {
  return `head:${sha256(head.subarray(0, HEAD_BYTES))}`;
}

/** Key of a short file whose first `bytes.length` bytes were read. */
export function prefixKey(bytes: Buffer): string {
  return `prefix:${sha256(bytes)}`;
}

/**
 * The key to save a file's state under after reading it to `offset`.
 * @param head the first min(content length, HEAD_BYTES) bytes of content
 * @param contentLength the content length the read saw (decompressed bytes for gzip)
 */
export function stateKey(head: Buffer, contentLength: number, offset: number): string {
  return contentLength >= HEAD_BYTES && head.length >= HEAD_BYTES ? headKey(head) : prefixKey(head.subarray(0, offset));
}

/**
 * Finds what the store remembers of this content: the `head:` key when the content holds ≥ 1 KiB,
 * else (or when that misses) the longest `prefix:` key among the line ends in the first 1 KiB, and
 * the whole head when it has no trailing newline (a gzip's last line). Undefined for new content.
 */
export async function findState(store: EventStore, head: Buffer): Promise<FileState | undefined> {
  if (head.length >= HEAD_BYTES) {
    const hit = await store.getFileState(headKey(head));
    if (hit) return hit;
  }
  const limit = Math.min(head.length, HEAD_BYTES);
  const ends: number[] = [];
  for (let i = head.indexOf(NL); i !== -1 && i < limit; i = head.indexOf(NL, i + 1)) ends.push(i + 1);
  if (head.length < HEAD_BYTES && head.length > 0 && head[head.length - 1] !== NL) ends.push(head.length);
  for (let k = ends.length - 1, n = 0; k >= 0 && n < MAX_PREFIX_LOOKUPS; k--, n++) {
    const hit = await store.getFileState(prefixKey(head.subarray(0, ends[k])));
    if (hit) return hit;
  }
  return undefined;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
