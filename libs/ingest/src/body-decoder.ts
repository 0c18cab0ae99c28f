import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The body is larger than allowed: `what` says whether the compressed or the decompressed size went over `limit` bytes. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(readonly what: 'compressed' | 'decompressed', readonly limit: number) {
    super(`request body over the limit of ${limit} bytes ${what === 'compressed' ? 'as sent' : 'after decompression'}`);
  }
}

/** The body was declared (or recognised as) gzip but is corrupt or cut short (RFC 1952). */
export class BadGzipError extends Error {
  override readonly name = 'BadGzipError';
}

/** Options of {@link decodeBody}. Sizes are bytes. */
export interface DecodeBodyOptions {
  /**
   * `gzip`: the sender said `Content-Encoding: gzip`; `identity`: plain; `auto`: gzip when the body
   * starts with the gzip magic bytes 1f 8b (RFC 1952 §2.3.1) — the way files are recognised, for
   * senders that gzip without saying so.
   */
  encoding: 'gzip' | 'identity' | 'auto';
  /** Largest decompressed body. */
  maxBytes: number;
  /** Largest body as sent (compressed). */
  maxCompressedBytes: number;
}

/** What {@link decodeBody} counted, filled in as it reads. */
export interface DecodeStats {
  /** Bytes as sent. */
  compressedBytes: number;
  /** Bytes after decompression. */
  bytes: number;
  gzip: boolean;
  /** SHA-256 over the decompressed bytes, hex; set when reading completed. */
  digest: string | null;
}

/**
 * Decompresses a request body as a stream of chunks (zlib, never the whole body in memory), with
 * size limits on both sides. Concatenated gzip members are read in turn (RFC 1952 §2.2).
 * @throws PayloadTooLargeError as soon as a limit is passed (reading stops there)
 * @throws BadGzipError for a corrupt or truncated gzip stream
 * The caller owns `source`: stopping early does not destroy it (pass an iterator made with
 * `destroyOnReturn: false` to keep an HTTP request's socket usable for the answer).
 */
export async function* decodeBody(source: AsyncIterable<Buffer>, opts: DecodeBodyOptions, stats: DecodeStats): AsyncGenerator<Buffer, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  try {
    yield* decode(it, opts, stats);
  } finally {
    // detach from the source (a Readable's iterator removes its listeners, so the caller can drain it)
    await it.return?.();
  }
}

async function* decode(it: AsyncIterator<Buffer>, opts: DecodeBodyOptions, stats: DecodeStats): AsyncGenerator<Buffer, void, undefined> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  const take = (c: Buffer): Buffer => {
    stats.compressedBytes += c.length;
    if (stats.compressedBytes > opts.maxCompressedBytes) throw new PayloadTooLargeError('compressed', opts.maxCompressedBytes);
    return c;
  };
  // peek at the first two bytes to recognise gzip
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const c = take(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value));
    head.push(c);
    headLen += c.length;
  }
  const first = Buffer.concat(head);
  stats.gzip = opts.encoding === 'gzip' || (opts.encoding === 'auto' && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b);
  async function* raw(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    while (!done) {
      const r = await it.next();
      if (r.done) return;
      yield take(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value));
    }
  }
  if (!stats.gzip) {
    for await (const c of raw()) yield out(c, opts, stats, hash);
    stats.digest = hash.digest('hex');
    return;
  }
  const input = Readable.from(raw(), { objectMode: false });
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) yield out(c, opts, stats, hash);
  } catch (e) {
    if (e instanceof PayloadTooLargeError) throw e;
    throw new BadGzipError(`gzip stream corrupt or cut short after ${stats.compressedBytes} bytes (${(e as Error).message})`);
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
  stats.digest = hash.digest('hex');
}

function out(c: Buffer, opts: DecodeBodyOptions, stats: DecodeStats, hash: Hash): Buffer {
  stats.bytes += c.length;
  if (stats.bytes > opts.maxBytes) throw new PayloadTooLargeError('decompressed', opts.maxBytes);
  hash.update(c);
  return c;
}
