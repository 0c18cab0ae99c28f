/**
 * HTTP request-line and request-target helpers (RFC 9112 §3: `method SP request-target SP
 * HTTP-version`). Pure; values are kept as logged (not percent-decoded) — decode only for the
 * match key.
 */

/** What a logged request line (nginx `$request`) tells. Every field is absent when unknown. */
export interface RequestLine {
  method?: string;
  path?: string;
  query?: string;
  /** `1.1`, `2.0` (ECS `http.version`, without `HTTP/`). */
  version?: string;
  /** Host of an absolute-form target (`GET http://a.example/x HTTP/1.1`). */
  domain?: string;
  scheme?: string;
  /** The target as logged, or the whole line when it could not be split. */
  original?: string;
}

const METHOD = /^[A-Za-z][A-Za-z_-]{0,31}$/;
const VERSION = /^HTTP\/(\d(?:\.\d)?)$/;

/**
 * Splits a request line. Malformed lines (`-`, `\x16\x03\x01…` TLS junk, a method-only line) give
 * only what is known: junk keeps `original` and nothing else, so the record still counts.
 */
export function splitRequestLine(line: string | undefined): RequestLine {
  if (line === undefined) return {};
  const s = line.trim();
  if (s === '' || s === '-') return {};
  const first = s.indexOf(' ');
  if (first < 0) return METHOD.test(s) && s.length < 16 ? { method: s } : { original: s };
  const method = s.slice(0, first);
  if (!METHOD.test(method)) return { original: s };
  const last = s.lastIndexOf(' ');
  let target = s.slice(first + 1);
  let version: string | undefined;
  if (last > first) {
    const v = VERSION.exec(s.slice(last + 1));
    if (v) {
      version = v[1];
      target = s.slice(first + 1, last);
    }
  }
  return { method, version, ...splitTarget(target) };
}

/**
 * A request target (`/a/b?x=1`, `http://host:8080/a?x`, `*`) into path, query and, for the
 * absolute form, domain and scheme. The fragment is dropped.
 */
export function splitTarget(target: string): RequestLine {
  let t = target;
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  let domain: string | undefined;
  let scheme: string | undefined;
  const abs = /^(https?):\/\/([^/?]*)/i.exec(t);
  if (abs) {
    scheme = abs[1].toLowerCase();
    domain = stripPort(abs[2]) || undefined;
    t = t.slice(abs[0].length) || '/';
  }
  const q = t.indexOf('?');
  const path = q >= 0 ? t.slice(0, q) : t;
  const query = q >= 0 ? t.slice(q + 1) : undefined;
  return { path: path || undefined, query: query || undefined, domain, scheme, original: target };
}

/** `host:port` → `host`; `[v6]:port` → `v6`. */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close > 0 ? host.slice(1, close) : host;
  }
  const colon = host.indexOf(':');
  return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host;
}

/** The port of `host:port` (`www.example.com:80` → 80), or undefined. */
export function portOf(host: string): number | undefined {
  const m = /:(\d{1,5})$/.exec(host);
  if (!m || (!host.startsWith('[') && host.indexOf(':') !== host.lastIndexOf(':'))) return undefined;
  const n = Number(m[1]);
  return n <= 65535 ? n : undefined;
}
