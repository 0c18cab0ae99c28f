import { canonicalNginxKey, NGINX_LIST_VARS } from './util/nginx-vars';
import { unescapeNginx, type NginxEscape } from './util/nginx-escape';

/**
 * Compiles an nginx `log_format` directive, in nginx's own syntax
 * (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format):
 * `log_format name [escape=default|json|none] 'part' "part" …;` — quoted parts are concatenated
 * as nginx does, variables are `$name` or `${name}` (http://nginx.org/en/docs/varindex.html).
 * A bare format string (`'$remote_addr …'` or unquoted) is accepted too.
 *
 * Text formats compile once into one anchored regex that runs in linear time: every variable is an
 * atomic group (`(?=(class))\N`, no backtracking into it) whose class cannot contain the literal
 * that follows it — `"$var"` → `(?:[^"\\]|\\.)*`, `[$time_local]` → `[^\]]*`, list variables such
 * as `$upstream_status` (`502, 403`, `502 : 403`) → `(?:, | : |[^ ])*`, any other variable
 * → `[^c]*` where `c` is the next literal character, the last variable → `.*`. No nested
 * quantifier can backtrack. `escape=json` formats that are JSON objects (`{"k":"$v",…}`) are read
 * with JSON.parse and each key mapped back to the variable it holds.
 */
export interface CompiledLogFormat {
  /** The `log_format` name (`combined` for the built-in one; `custom` for a bare string). */
  name: string;
  escape: NginxEscape;
  /** The format string after concatenating the quoted parts. */
  format: string;
  /** Variables in order of appearance (canonical names, see nginx-vars.ts). */
  variables: string[];
  /** For JSON formats: top-level key → variable. */
  jsonKeys?: ReadonlyMap<string, string>;
  /** Variables of one line, unescaped; `undefined` when the line does not have this format. */
  match(line: string): Map<string, string> | undefined;
}

/** Thrown for a directive that cannot be read (unbalanced quotes, no variables). */
export class NginxLogFormatError extends Error {
  override readonly name = 'NginxLogFormatError';
}

/** nginx's predefined `combined` format (ngx_http_log_module). */
export const NGINX_COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

type Segment = { lit: string } | { v: string };

/** Compiles a directive or format string once; reuse the result for every line. */
export function compileLogFormat(directive: string): CompiledLogFormat {
  const { name, escape, format } = readDirective(directive);
  const segments = tokenize(format);
  const variables = segments.flatMap((s) => ('v' in s ? [s.v] : []));
  if (variables.length === 0) throw new NginxLogFormatError('log_format has no variables');
  const base = { name, escape, format, variables };
  if (format.trimStart().startsWith('{') && escape === 'json') {
    const jsonKeys = jsonKeyMap(format);
    return { ...base, jsonKeys, match: (line) => matchJson(line, jsonKeys) };
  }
  const regex = buildRegex(segments);
  return {
    ...base,
    match(line: string): Map<string, string> | undefined {
      const m = regex.exec(line);
      if (!m) return undefined;
      const out = new Map<string, string>();
      for (let i = 0; i < variables.length; i++) {
        const val = m[i + 1];
        if (val === undefined) continue;
        const prev = out.get(variables[i]);
        if (prev === undefined || prev === '-') out.set(variables[i], unescapeNginx(val, escape));
      }
      return out;
    },
  };
}

function readDirective(input: string): { name: string; escape: NginxEscape; format: string } {
  const s = input.trim();
  if (!/^log_format\s/.test(s) && !/^['"]/.test(s)) return { name: 'custom', escape: 'default', format: s.replace(/;\s*$/, '') };
  const tokens = confTokens(s);
  let i = 0;
  let name = 'custom';
  if (tokens[0]?.text === 'log_format' && !tokens[0].quoted) {
    name = tokens[1]?.text ?? 'custom';
    i = 2;
  }
  let escape: NginxEscape = 'default';
  const esc = tokens[i] && !tokens[i].quoted ? /^escape=(default|json|none)$/.exec(tokens[i].text) : null;
  if (esc) {
    escape = esc[1] as NginxEscape;
    i++;
  }
  const format = tokens.slice(i).map((t) => t.text).join('');
  if (format === '') throw new NginxLogFormatError('log_format has no format string');
  return { name, escape, format };
}

/** nginx.conf tokens up to `;`: words and '…' / "…" strings with `\` escapes. */
function confTokens(s: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ';') break;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < s.length && s[j] !== c; j++) {
        if (s[j] === '\\' && j + 1 < s.length) {
          const n = s[j + 1];
          text += n === c || n === '\\' ? n : n === 'n' ? '\n' : n === 't' ? '\t' : '\\' + n;
          j++;
        } else text += s[j];
      }
      if (j >= s.length) throw new NginxLogFormatError(`unterminated ${c} string in log_format`);
      out.push({ text, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !' \t\r\n;'.includes(s[j])) j++;
    out.push({ text: s.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

function tokenize(format: string): Segment[] {
  const out: Segment[] = [];
  const re = /\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) out.push({ lit: format.slice(last, m.index) });
    out.push({ v: canonicalVar(m[1] ?? m[2]) });
    last = m.index + m[0].length;
  }
  if (last < format.length) out.push({ lit: format.slice(last) });
  return out;
}

/** Variables keep their nginx names; only case is folded. */
function canonicalVar(name: string): string {
  return name.toLowerCase();
}

const QUOTED = '(?:[^"\\\\]|\\\\.)*';
const LIST = '(?:, | : |[^ ])*';

function buildRegex(segments: Segment[]): RegExp {
  let src = '^';
  let group = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if ('lit' in s) {
      src += escapeRe(s.lit);
      continue;
    }
    group++;
    const prev = segments[i - 1];
    const next = segments[i + 1];
    const prevLit = prev && 'lit' in prev ? prev.lit : '';
    const nextLit = next && 'lit' in next ? next.lit : undefined;
    if (next === undefined) {
      src += '(.*)';
      continue;
    }
    if (nextLit === undefined) {
      // Two variables with no literal between them: ambiguous by nature; keep it lazy and local.
      src += '([^ ]*?)';
      continue;
    }
    const c = nextLit[0];
    let cls: string;
    if (prevLit.endsWith('"') && c === '"') cls = QUOTED;
    else if (s.v === 'time_local' && c === ']') cls = '[^\\]]*';
    else if (NGINX_LIST_VARS.has(s.v) && c === ' ') cls = LIST;
    else cls = `[^${escapeClass(c)}]*`;
    src += `(?=(${cls}))\\${group}`;
  }
  return new RegExp(src + (segments[segments.length - 1] && 'v' in segments[segments.length - 1] ? '$' : '[ \\t]*$'));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(c: string): string {
  return /[\]\\^-]/.test(c) ? '\\' + c : c;
}

function jsonKeyMap(format: string): Map<string, string> {
  const map = new Map<string, string>();
  const re = /"((?:[^"\\]|\\.)*)"\s*:\s*"?\$\{?([A-Za-z0-9_]+)\}?/g;
  for (let m = re.exec(format); m; m = re.exec(format)) map.set(m[1], canonicalVar(m[2]));
  return map;
}

function matchJson(line: string, keys: ReadonlyMap<string, string>): Map<string, string> | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  return jsonVars(obj as Record<string, unknown>, keys);
}

/**
 * Variables of a parsed JSON access record: keys the format maps first, then common key names
 * (`remote_addr`, `rid`, `trace` … see nginx-vars.ts). Nested values are ignored.
 */
export function jsonVars(obj: Record<string, unknown>, keys?: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, raw] of Object.entries(obj)) {
    if (raw === null || typeof raw === 'object') continue;
    const name = keys?.get(k) ?? canonicalNginxKey(k);
    if (!out.has(name) || out.get(name) === '-') out.set(name, String(raw));
  }
  return out;
}
