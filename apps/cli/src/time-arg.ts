import { parseISO, isValid, subMilliseconds } from 'date-fns';
import { UsageError } from './context';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a `--since`/`--until` value: ISO-8601 (`2024-03-12T12:35:00Z`; a date-time without a zone
 * is read as UTC) or a duration before now (`30m`, `2h`, `7d`). Returns ISO-8601 UTC.
 * @throws UsageError naming the option and the accepted shapes.
 */
export function parseTimeArg(value: string, option: string, now = new Date()): string {
  const rel = /^(\d+)([smhd])$/.exec(value.trim());
  if (rel) return subMilliseconds(now, Number(rel[1]) * UNITS[rel[2]]).toISOString();
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim());
  const d = parseISO(hasZone || !value.includes('T') ? value : `${value}Z`);
  if (!isValid(d)) throw new UsageError(`${option}: "${value}" is neither ISO-8601 (2024-03-12T12:35:00Z) nor a duration (30m, 2h, 7d)`);
  return d.toISOString();
}
