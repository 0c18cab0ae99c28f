import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * The first `max` bytes of a file's content: decompressed when it starts with the gzip magic bytes
 * (RFC 1952 §2.3.1), fewer when the content is shorter or a gzip is damaged early.
 */
export async function readContentHead(path: string, max: number, gzip: boolean): Promise<Buffer> {
  if (!gzip) {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  const file = createReadStream(path, { highWaterMark: 16384 });
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  const source: Readable = file.pipe(gunzip);
  const parts: Buffer[] = [];
  let len = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      parts.push(chunk);
      len += chunk.length;
      if (len >= max) break;
    }
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && !code.startsWith('Z_') && code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    // damaged gzip: what was readable
  } finally {
    file.destroy();
    source.destroy();
  }
  return Buffer.concat(parts).subarray(0, max);
}
