import type { ParseOutcome } from '../parser';
import { isObject, type JsonObject } from './json-path';

/**
 * Helpers shared by the parsers of vendor JSON records (Cloudflare, CloudTrail, GCP, Azure). Pure.
 */

export type { JsonObject } from './json-path';
export { isObject } from './json-path';

/**
 * One JSON record (a line, or a record of a JSON document split by ingest) into an object. A leading
 * U+FEFF is dropped; when the text does not parse and holds U+FEFF elsewhere (a byte-order mark left
 * between tokens where files were concatenated, corpus azure-waf "probable BOM mid-file"), it is
 * parsed again without them. `skip` for blank input; a reject `invalid_json` otherwise.
 */
export function parseRecord(line: string): { ok: true; value: JsonObject } | { ok: false; outcome: ParseOutcome } {
  let text = line.trim();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1).trim();
  if (text === '') return { ok: false, outcome: { kind: 'skip' } };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    if (text.includes('\uFEFF')) {
      try {
        v = JSON.parse(text.replace(/\uFEFF/g, ''));
      } catch {
        v = undefined;
      }
    }
    if (v === undefined) return { ok: false, outcome: { kind: 'reject', reason: 'invalid_json', detail: (err as Error).message.slice(0, 200) } };
  }
  if (!isObject(v)) return { ok: false, outcome: { kind: 'reject', reason: 'invalid_json', detail: `JSON ${Array.isArray(v) ? 'array' : typeof v}, not an object` } };
  return { ok: true, value: v };
}

/** A string or number as text; '', '-' and other types give undefined. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' || v === '-' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A finite number, or a string of digits (with an optional fraction), as a number. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,19}(?:\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

/** The object at `v`, or an empty one. */
export function obj(v: unknown): JsonObject {
  return isObject(v) ? v : {};
}

/** The strings of an array (other items dropped); not an array → []. */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : [];
}

/** Longest value kept per extra field, in characters. */
export const EXTRA_FIELD_CHARS = 256;

/**
 * `denytrace.extra_fields` for format drift: every key of `rec` not in `known` whose value is not
 * empty (null, '', [], {}), as text (objects and arrays as JSON), each cut to
 * {@link EXTRA_FIELD_CHARS}. `prefix` names nested objects (`properties.`). Undefined when none.
 */
export function extraFields(rec: JsonObject, known: ReadonlySet<string>, prefix = '', into: Record<string, string> = {}): Record<string, string> | undefined {
  for (const k of Object.keys(rec)) {
    if (known.has(k)) continue;
    const v = rec[k];
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (isObject(v) && Object.keys(v).length === 0) continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    into[prefix + k] = text.length > EXTRA_FIELD_CHARS ? text.slice(0, EXTRA_FIELD_CHARS) : text;
  }
  return Object.keys(into).length ? into : undefined;
}
