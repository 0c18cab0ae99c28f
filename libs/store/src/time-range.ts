import { StoreError } from './store-error';

/**
 * Epoch milliseconds (UTC) of an ISO-8601 time given to a store method, e.g. `since`/`until`.
 * Throws a `StoreError('invalid_argument')` naming the argument when the text is not a time.
 */
export function isoToMs(iso: string, argument: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new StoreError('invalid_argument', `${argument} is not an ISO-8601 time: ${JSON.stringify(iso)}`);
  return ms;
}

/** ISO-8601 UTC with milliseconds (`2024-03-12T14:02:11.482Z`) of epoch milliseconds. */
export function msToIso(ms: number): string {
  return new Date(ms).toISOString();
}
