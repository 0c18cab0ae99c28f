/**
 * `denytrace.extra_fields` for JSON records: the keys a parser does not read, kept as logged (format
 * drift). Strings stay as they are, other values are JSON text; each value is bounded to
 * {@link MAX_EXTRA_VALUE_CHARS} characters and at most {@link MAX_EXTRA_KEYS} keys are kept.
 */
export const MAX_EXTRA_VALUE_CHARS = 512;
export const MAX_EXTRA_KEYS = 64;

/** The keys of `rec` not in `known` with a value other than null, '' or '-'; undefined when none. */
export function unknownJsonFields(rec: Record<string, unknown>, known: ReadonlySet<string>, prefix = ''): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let n = 0;
  for (const k in rec) {
    if (known.has(k)) continue;
    const v = rec[k];
    if (v === null || v === undefined || v === '' || v === '-') continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    (out ??= {})[prefix + k] = text.length > MAX_EXTRA_VALUE_CHARS ? text.slice(0, MAX_EXTRA_VALUE_CHARS) : text;
    if (++n >= MAX_EXTRA_KEYS) break;
  }
  return out;
}
