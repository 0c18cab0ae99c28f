import { MAX_ORIGINAL_CHARS } from '@denytrace/schema';

/**
 * Small field helpers shared by the AWS parsers (WAF, CloudFront, ALB). Pure, no I/O.
 */

/**
 * Percent-decodes once (`%2520` → `%20`, `%20` → space). Text with a malformed escape (`%%32`, a
 * lone `%`, bad UTF-8) is returned as logged rather than rejected.
 */
export function decodeOnce(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `-`, empty and whitespace-only values are absent. */
export function present(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v === '' || v === '-') return undefined;
  return v;
}

/**
 * `denytrace.match_key`: `METHOD path?query user-agent`, path and query percent-decoded once,
 * `?query` only when there is a query, user agent '' when absent. Used to join layers that share no
 * id (an ALB fixed-response and the CloudFront line of the same request).
 */
export function matchKey(method: string | undefined, path: string | undefined, query: string | undefined, userAgent: string | undefined): string | undefined {
  if (!method || !path) return undefined;
  const q = query ? `?${decodeOnce(query)}` : '';
  return `${method.toUpperCase()} ${decodeOnce(path)}${q} ${userAgent ?? ''}`;
}

/** `event.original`, bounded to {@link MAX_ORIGINAL_CHARS}. */
export function original(line: string): string {
  return line.length > MAX_ORIGINAL_CHARS ? line.slice(0, MAX_ORIGINAL_CHARS) : line;
}

/** `HTTP/1.1` → `1.1` (ECS `http.version`); other shapes are kept as logged; `-`/empty → undefined. */
export function httpVersion(v: string | undefined): string | undefined {
  const p = present(v);
  if (!p) return undefined;
  return p.startsWith('HTTP/') ? p.slice(5) : p;
}

/** A non-negative integer field (`-`, empty, non-digits → undefined). */
export function intField(v: string | undefined): number | undefined {
  const p = present(v);
  if (!p || p.length > 15) return undefined;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Number(p);
}

/**
 * An HTTP status as logged (`403`); `000` (viewer closed before a response, CloudFront) and `-`
 * give undefined.
 */
export function statusField(v: string | undefined): number | undefined {
  const n = intField(v);
  return n !== undefined && n >= 100 && n <= 999 ? n : undefined;
}

const PLACEHOLDER_IDS: ReadonlySet<string> = new Set(['', '-', 'null', 'none', 'undefined', 'rid', 'n/a', 'unknown']);

/**
 * True when a logged request id is a placeholder and must not become a correlation id: `null`,
 * `rid`, `-`, empty, or shorter than 8 characters (AWS request ids are UUIDs, 56-char CloudFront ids
 * or X-Ray roots; test data uses `rid`/`null`).
 */
export function isPlaceholderId(v: string | null | undefined): boolean {
  if (v === null || v === undefined) return true;
  const t = v.trim();
  return PLACEHOLDER_IDS.has(t.toLowerCase()) || t.length < 8;
}

/**
 * ISO-8601 UTC with milliseconds from an ISO timestamp with any number of fraction digits
 * (`2019-01-02T09:00:00.051234Z` → `2019-01-02T09:00:00.051Z`; truncated, not rounded, so the
 * instant never moves past the logged one). Undefined when it does not parse.
 */
export function isoMs(v: string | undefined): string | undefined {
  const p = present(v);
  if (!p) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(p);
  if (!m) return undefined;
  const ms = ((m[2] ?? '') + '000').slice(0, 3);
  const t = Date.parse(`${m[1]}.${ms}${m[3]}`);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/**
 * A copy of `o` without keys whose value is undefined or an empty plain object (one level), so
 * events compare and serialise without `undefined` holes. Copies rather than deletes: `delete`
 * turns V8 objects into slow dictionaries, and this runs several times per log line.
 */
export function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) {
    const v = o[k] as unknown;
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && isEmptyObject(v)) continue;
    out[k] = o[k];
  }
  return out;
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Share of the non-blank sample lines (trimmed) that `looksLike` accepts, 0..1; 0 for a blank
 * sample. The common core of a format's `detect`.
 */
export function lineShare(sample: readonly string[], looksLike: (line: string) => boolean): number {
  let seen = 0;
  let hits = 0;
  for (const raw of sample) {
    const l = raw.trim();
    if (l === '') continue;
    seen++;
    if (looksLike(l)) hits++;
  }
  return seen === 0 ? 0 : hits / seen;
}
