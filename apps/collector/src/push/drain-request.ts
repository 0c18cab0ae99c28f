import type { Request } from 'express';

/**
 * Reads and discards the rest of a request body so that the error answer reaches a client that is
 * still sending (closing mid-upload makes most clients report a reset instead of our 413/400).
 * Stops at `maxBytes` discarded: the answer then carries `Connection: close` and Node closes the
 * socket after it. Resolves when the body ended, the limit was hit, or the request closed.
 */
export function drainRequest(req: Request, maxBytes: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const onData = (c: Buffer): void => {
      seen += c.length;
      if (seen > maxBytes) {
        req.res?.setHeader('Connection', 'close');
        req.pause();
        done();
      }
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}
