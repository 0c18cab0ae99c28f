/**
 * Reading values out of parsed JSON records by dotted path. A path matches a literal key first
 * (`{"http.method": …}`, as flattened loggers write) and then nested objects (`{"http":{"method":…}}`),
 * trying every split of the dots, so both shapes need no configuration. Paths are short (a few
 * segments): the walk never follows more than the path's own depth, whatever the record's nesting.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The value at `path` (`a.b.c`), or undefined. */
export function getPath(obj: JsonObject, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  let dot = path.indexOf('.');
  while (dot > 0) {
    const head = path.slice(0, dot);
    const next = Object.prototype.hasOwnProperty.call(obj, head) ? obj[head] : undefined;
    if (isObject(next)) {
      const v = getPath(next, path.slice(dot + 1));
      if (v !== undefined) return v;
    }
    dot = path.indexOf('.', dot + 1);
  }
  return undefined;
}

/** The first of `paths` that holds a value other than null, '' or '-'. */
export function pickFirst(obj: JsonObject, paths: readonly string[]): unknown {
  for (const p of paths) {
    const v = getPath(obj, p);
    if (v !== undefined && v !== null && v !== '' && v !== '-') return v;
  }
  return undefined;
}

/** A scalar as text (numbers and booleans too); objects and arrays give undefined. */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * JSON.parse of one line into an object. V8's JSON.parse does not recurse on the native stack, so
 * deep nesting is safe; anything that is not an object is refused.
 */
export function parseJsonObject(line: string): { ok: true; value: JsonObject } | { ok: false; detail: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { ok: false, detail: `invalid JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  if (!isObject(v)) return { ok: false, detail: `JSON ${Array.isArray(v) ? 'array' : typeof v}, not an object` };
  return { ok: true, value: v };
}
