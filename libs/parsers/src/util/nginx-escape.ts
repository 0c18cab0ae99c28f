/**
 * Undoes nginx's access-log escaping of variable values
 * (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format, `escape=`):
 * - `default`: `"`, `\` and bytes below 32 or above 126 are written as `\xHH`;
 * - `json`: JSON string escaping (`\"`, `\\`, `\n`, `\u0001` …);
 * - `none`: nothing is escaped.
 * Bytes are decoded as UTF-8 afterwards (an escaped `\xC3\xA9` becomes `é`); invalid UTF-8 keeps
 * U+FFFD. Pure; linear in the value.
 */
export type NginxEscape = 'default' | 'json' | 'none';

export function unescapeNginx(value: string, mode: NginxEscape): string {
  if (mode === 'none' || value.indexOf('\\') < 0) return value;
  return mode === 'json' ? unescapeJson(value) : unescapeHex(value);
}

function unescapeHex(v: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c && i + 3 < v.length && (v[i + 1] === 'x' || v[i + 1] === 'X') && isHex(v.charCodeAt(i + 2)) && isHex(v.charCodeAt(i + 3))) {
      bytes.push(parseInt(v.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) bytes.push(c);
    else {
      const end = c >= 0xd800 && c <= 0xdbff && i + 1 < v.length ? i + 2 : i + 1;
      for (const b of Buffer.from(v.slice(i, end), 'utf8')) bytes.push(b);
      i = end - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const JSON_ESC: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function unescapeJson(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch !== '\\' || i + 1 >= v.length) {
      out += ch;
      continue;
    }
    const n = v[i + 1];
    if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(v.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(v.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (JSON_ESC[n] !== undefined) {
      out += JSON_ESC[n];
      i += 1;
    } else out += ch;
  }
  return out;
}
