/**
 * Timestamp readers shared by the nginx and app parsers. Pure; every result is an instant in epoch
 * milliseconds (UTC) that callers write as ISO-8601 UTC with ms (`new Date(ms).toISOString()`).
 */

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** An instant and the zone offset it was written in (minutes east of UTC; 0 when read as UTC). */
export interface ParsedTime {
  /** Epoch milliseconds, UTC. */
  ms: number;
  /** Offset of the logged wall time from UTC in minutes (`+0100` → 60). */
  offsetMinutes: number;
}

const TIME_LOCAL = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2})(\d{2})$/;

/**
 * nginx `$time_local` (`dd/Mon/yyyy:HH:MM:SS +hhmm`, http://nginx.org/en/docs/http/ngx_http_log_module.html):
 * the wall time in the server's zone plus its numeric offset. The offset is applied, so
 * `02/Jan/2019:10:00:00 +0100` is 2019-01-02T09:00:00Z (elastic/beats#9839, case C10).
 */
export function parseNginxTimeLocal(s: string): ParsedTime | undefined {
  const m = TIME_LOCAL.exec(s.trim());
  if (!m) return undefined;
  const month = MONTHS[m[2]];
  if (month === undefined) return undefined;
  const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  const wall = utc(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), frac);
  if (wall === undefined) return undefined;
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return { ms: wall - offset * 60_000, offsetMinutes: offset };
}

const ERROR_TIME = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * nginx error-log time `yyyy/mm/dd HH:MM:SS` (src/core/ngx_log.c). It carries no zone: it is read
 * as UTC and reported with offset 0.
 */
export function parseNginxErrorTime(s: string): ParsedTime | undefined {
  const m = ERROR_TIME.exec(s);
  if (!m) return undefined;
  const ms = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return ms === undefined ? undefined : { ms, offsetMinutes: 0 };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * ISO-8601 / RFC 3339 date-time (`2024-03-12T14:05:00.123Z`, `…+01:00`, `… 14:05:00`). Fractions
 * beyond ms are truncated. A value without a zone is read as UTC (offset 0) — say so to the user.
 */
export function parseIsoTime(s: string): ParsedTime | undefined {
  const m = ISO.exec(s.trim());
  if (!m) return undefined;
  const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  const wall = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), frac);
  if (wall === undefined) return undefined;
  let offset = 0;
  const z = m[8];
  if (z && z !== 'Z' && z !== 'z') {
    const digits = z.slice(1).replace(':', '');
    offset = (z[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
  }
  return { ms: wall - offset * 60_000, offsetMinutes: offset };
}

/**
 * Epoch seconds or milliseconds, as a number or digit string (nginx `$msec` is `1710244802.123`,
 * seconds with ms). Values above 1e11 are taken as milliseconds (1e11 s is the year 5138).
 */
export function parseEpoch(v: number | string): ParsedTime | undefined {
  const n = typeof v === 'number' ? v : /^\d{1,16}(?:\.\d{1,9})?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = n > 1e11 ? Math.floor(n) : Math.floor(n * 1000);
  return ms < 8.64e15 ? { ms, offsetMinutes: 0 } : undefined;
}

/** Any of {@link parseIsoTime} or {@link parseEpoch}: what app logs put in `ts`/`timestamp`. */
export function parseAnyTime(v: unknown): ParsedTime | undefined {
  if (typeof v === 'number') return parseEpoch(v);
  if (typeof v !== 'string') return undefined;
  return parseIsoTime(v) ?? parseEpoch(v);
}

/** ISO-8601 UTC with ms for epoch ms. */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo, d, h, mi, s, ms);
  const back = new Date(t);
  // Reject rollovers such as 31 February.
  if (back.getUTCDate() !== d) return undefined;
  return t;
}

/**
 * Epoch time in any of the units log shippers write, told apart by magnitude (a number or a digit
 * string): seconds (≤ 11 digits), milliseconds, microseconds, nanoseconds (≥ 1e17, Cloudflare
 * Logpush `timestamps=unixnano`). A fraction is allowed on seconds. Undefined otherwise.
 */
export function parseEpochAnyUnit(v: number | string): ParsedTime | undefined {
  const n = typeof v === 'number' ? v : /^\d{1,20}(?:\.\d{1,9})?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  let ms: number;
  if (n >= 1e17) ms = Math.floor(n / 1e6);
  else if (n >= 1e14) ms = Math.floor(n / 1e3);
  else if (n >= 1e11) ms = Math.floor(n);
  else ms = Math.floor(n * 1000);
  return ms < 8.64e15 ? { ms, offsetMinutes: 0 } : undefined;
}

/** ISO-8601 / RFC 3339 or epoch in any unit ({@link parseEpochAnyUnit}), as epoch ms; undefined when neither. */
export function parseTimeAnyUnit(v: unknown): number | undefined {
  if (typeof v === 'number') return parseEpochAnyUnit(v)?.ms;
  if (typeof v !== 'string') return undefined;
  return (parseIsoTime(v) ?? parseEpochAnyUnit(v))?.ms;
}
