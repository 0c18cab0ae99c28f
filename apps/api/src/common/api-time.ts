import { ApiError } from '@denytrace/http';

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

/**
 * The given times `utcMs` cannot read, as `validation_failed` details: class-validator's ISO-8601
 * check also passes week dates (`2024-W10`), ordinal dates (`2024-072`) and the basic format
 * (`20240312T120000Z`), which `Date` does not read. Absent times are skipped.
 */
export function unreadableTimes(times: Record<string, string | null | undefined>): Array<{ field: string; problems: string[] }> {
  return Object.entries(times)
    .filter(([, t]) => typeof t === 'string' && Number.isNaN(utcMs(t)))
    .map(([field]) => ({ field, problems: [`${field} must be a calendar date and time in extended format, e.g. 2024-03-12T14:10:00Z`] }));
}

/**
 * Checks a query's time range: both readable (see {@link unreadableTimes}) and `since` before `until`.
 * @throws ApiError 400 `validation_failed` naming the bad field(s).
 */
export function checkRange(since: string | undefined, until: string | undefined): void {
  const problems = unreadableTimes({ since, until });
  if (problems.length === 0 && since !== undefined && until !== undefined && utcMs(since) >= utcMs(until)) {
    problems.push({ field: 'until', problems: ['until must be later than since'] });
  }
  if (problems.length) throw new ApiError(400, 'validation_failed', `invalid ${problems.map((p) => p.field).join(', ')}`, problems);
}
