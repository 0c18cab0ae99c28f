import { StoreError } from './store-error';

/** Where a page of `listTraces` (newest first) stopped: the last item's first_seen (epoch ms) and trace_id. */
export interface TraceCursor {
  firstSeenMs: number;
  traceId: string;
}

/** Default and largest page size of `listTraces`. */
export const DEFAULT_TRACE_LIMIT = 100;
export const MAX_TRACE_LIMIT = 1000;

/** Opaque cursor text: base64url of `<first_seen epoch ms>:<trace_id>`. Shared by every store so cursors look alike. */
export function encodeTraceCursor(c: TraceCursor): string {
  return Buffer.from(`${c.firstSeenMs}:${c.traceId}`, 'utf8').toString('base64url');
}

/** Reads a cursor made by {@link encodeTraceCursor}; a `StoreError('invalid_argument')` for anything else. */
export function decodeTraceCursor(cursor: string): TraceCursor {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const colon = text.indexOf(':');
  const ms = colon > 0 ? Number(text.slice(0, colon)) : Number.NaN;
  const traceId = colon > 0 ? text.slice(colon + 1) : '';
  if (!Number.isSafeInteger(ms) || traceId === '') throw new StoreError('invalid_argument', `cursor is not one this store issued: ${JSON.stringify(cursor)}`);
  return { firstSeenMs: ms, traceId };
}

/** The page size to use: `limit` clamped to 1..{@link MAX_TRACE_LIMIT}, {@link DEFAULT_TRACE_LIMIT} when absent. */
export function traceLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_TRACE_LIMIT;
  if (!Number.isFinite(limit)) throw new StoreError('invalid_argument', `limit is not a number: ${limit}`);
  return Math.min(MAX_TRACE_LIMIT, Math.max(1, Math.floor(limit)));
}
