/** An ISO-8601 date-time without a zone designator (`2024-03-12T12:00` or `…:00.123`). */
const NO_ZONE = /T\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/**
 * Epoch ms of an ISO-8601 time from a query string. A date-time without `Z` or an offset is read as
 * UTC (as the CLI reads `--since`), never in the server's local zone. The text was validated before.
 */
export function utcMs(iso: string): number {
  return Date.parse(NO_ZONE.test(iso) ? `${iso}Z` : iso);
}

/** ISO-8601 UTC with ms of an optional query time, as the store takes it; undefined stays undefined. */
export function utcIso(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : new Date(utcMs(iso)).toISOString();
}
