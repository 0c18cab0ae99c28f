import { parseISO, isValid, subMilliseconds } from 'date-fns';
import { UsageError } from './context';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a `--since`/`--until` value: ISO-8601 (`2024-03-12T12:35:00Z`; a date or date-time without a
 * zone, with `T` or a space, is read as UTC) or a duration before now (`30m`, `2h`, `7d`). Returns
 * ISO-8601 UTC.
 * @throws UsageError naming the option and the accepted shapes.
 */
export function parseTimeArg(value: string, option: string, now = new Date()): string {
  const rel = /^(\d+)([smhd])$/.exec(value.trim());
  if (rel) return subMilliseconds(now, Number(rel[1]) * UNITS[rel[2]]).toISOString();
  // "2024-03-12 10:00" and "2024-03-12T10:00" are both UTC: a time without a zone is never local.
  let v = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2');
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(v)) v = v.includes('T') ? `${v}Z` : `${v}T00:00:00Z`;
  const d = parseISO(v);
  if (!isValid(d)) throw new UsageError(`${option}: "${value}" is neither ISO-8601 (2024-03-12T12:35:00Z) nor a duration (30m, 2h, 7d)`);
  return d.toISOString();
}

/** Both bounds, checked against each other. @throws UsageError when since is not before until. */
export function parseRange(since: string | undefined, until: string | undefined): { since?: string; until?: string } {
  const s = since ? parseTimeArg(since, '--since') : undefined;
  const u = until ? parseTimeArg(until, '--until') : undefined;
  if (s && u && s >= u) throw new UsageError(`--since (${s}) must be before --until (${u})`);
  return { since: s, until: u };
}
