import { xrayRoot } from '@denytrace/schema';
import { unescapeNginx } from './nginx-escape';
import { canonicalNginxKey } from './nginx-vars';

/**
 * Reads what users append after `combined`: `key=value` and `key="value"` pairs
 * (`rid=$request_id cfid="$http_x_amz_cf_id" trace="$http_x_amzn_trace_id" ups=$upstream_status`)
 * and bare quoted values. Keys are mapped to nginx variables by their common names
 * (nginx-vars.ts); a bare quoted X-Amzn-Trace-Id or traceparent (case C10:
 * `"Root=1-5c2c7d90-…"` after the user agent) becomes `http_x_amzn_trace_id` / `http_traceparent`.
 * Other bare values are kept as `field_<n>` (1-based position) for `extra_fields`.
 * One left-to-right scan, no regex over the whole tail. Values are unescaped (`\xHH`).
 */
export function parseTrailingPairs(rest: string, into: Map<string, string>): void {
  let i = 0;
  let pos = 0;
  const n = rest.length;
  while (i < n) {
    while (i < n && (rest[i] === ' ' || rest[i] === '\t')) i++;
    if (i >= n) break;
    pos++;
    let key: string | undefined;
    let value: string;
    if (rest[i] !== '"') {
      let j = i;
      while (j < n && isKeyChar(rest.charCodeAt(j))) j++;
      if (j > i && j < n && rest[j] === '=') {
        key = rest.slice(i, j);
        i = j + 1;
      }
    }
    if (i < n && rest[i] === '"') {
      const end = quotedEnd(rest, i);
      value = rest.slice(i + 1, end);
      i = end + 1;
    } else {
      let j = i;
      while (j < n && rest[j] !== ' ' && rest[j] !== '\t') j++;
      value = rest.slice(i, j);
      i = j;
    }
    value = unescapeNginx(value, 'default');
    const name = key !== undefined ? canonicalNginxKey(key) : bareName(value, pos);
    if (!into.has(name) || into.get(name) === '-') into.set(name, value);
  }
}

function bareName(value: string, pos: number): string {
  if (xrayRoot(value)) return 'http_x_amzn_trace_id';
  if (/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/i.test(value)) return 'http_traceparent';
  return `field_${pos}`;
}

/** Index of the closing quote of the string starting at `start` (or the end of the text). */
function quotedEnd(s: string, start: number): number {
  for (let j = start + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j;
  }
  return s.length;
}

function isKeyChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x40;
}
