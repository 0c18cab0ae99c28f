import type { DenyEvent } from '@denytrace/schema';

/** Distinct unknown field names kept per summary; the rest are counted under {@link OTHER_FIELDS}. */
export const MAX_DRIFT_FIELDS = 50;
export const OTHER_FIELDS = '(other)';

/**
 * Format drift: counts, per `dataset/field`, the columns or keys a parser did not know
 * (`denytrace.extra_fields`), so a vendor adding or renaming a field shows in the ingest summary and
 * in `denytrace_unknown_fields_total` instead of passing silently. Bounded to {@link MAX_DRIFT_FIELDS} names.
 */
export function countUnknownFields(e: DenyEvent, into: Record<string, number>): void {
  const extra = e.denytrace.extra_fields;
  if (!extra) return;
  for (const name of Object.keys(extra)) {
    const key = `${e.event.dataset}/${name}`;
    if (into[key] !== undefined) into[key] += 1;
    else if (Object.keys(into).length < MAX_DRIFT_FIELDS) into[key] = 1;
    else into[OTHER_FIELDS] = (into[OTHER_FIELDS] ?? 0) + 1;
  }
}
