import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/**
 * An IP address validated with `node:net` `isIP` and written in its canonical text form: IPv4 as
 * dotted quad, IPv6 in RFC 5952 form (lower case, longest zero run compressed,
 * https://www.rfc-editor.org/rfc/rfc5952), IPv4-mapped IPv6 in the RFC 5952 §5 mixed notation
 * (`::ffff:192.0.2.1`). Surrounding brackets (`[2001:db8::1]`) are accepted.
 * Returns undefined for anything that is not an address (`-`, `unknown`, `2001`, `01.2.3.4`).
 */
export function normalizeIp(s: string | null | undefined): string | undefined {
  if (!s) return undefined;
  let v = s.trim();
  if (v.length > 2 && v.charCodeAt(0) === 0x5b /* [ */ && v.charCodeAt(v.length - 1) === 0x5d /* ] */) v = v.slice(1, -1);
  const family = isIP(v);
  if (family === 4) return v;
  if (family !== 6) return undefined;
  try {
    const addr = ipaddr.IPv6.parse(v);
    if (addr.isIPv4MappedAddress()) return `::ffff:${addr.toIPv4Address().toString()}`;
    return addr.toRFC5952String();
  } catch {
    return undefined;
  }
}

/** A `host:port` pair split by {@link splitHostPort}; `port` is absent when none was given or it is not a number. */
export interface HostPort {
  host: string;
  port?: number;
}

/**
 * Splits `host:port` on the LAST colon, as load balancers log IPv6 clients unbracketed
 * (`2001:db8::7:61022` → host `2001:db8::7`, port 61022; allinurl/goaccess#2557). `[v6]:port` and
 * bare `[v6]` are accepted; a value whose last part is not a port 0..65535 is returned whole as the
 * host. The host is not validated here: pass it to {@link normalizeIp} when it must be an address.
 * Returns undefined for `-` and empty input.
 */
export function splitHostPort(s: string | null | undefined): HostPort | undefined {
  if (!s) return undefined;
  const v = s.trim();
  if (v === '' || v === '-') return undefined;
  if (v.charCodeAt(0) === 0x5b /* [ */) {
    const close = v.indexOf(']');
    if (close > 0) {
      const host = v.slice(1, close);
      const rest = v.slice(close + 1);
      if (rest === '') return { host };
      if (rest.charCodeAt(0) === 0x3a /* : */) {
        const port = parsePort(rest.slice(1));
        return port === undefined ? { host } : { host, port };
      }
    }
    return { host: v };
  }
  const colon = v.lastIndexOf(':');
  if (colon <= 0) return { host: v };
  const port = parsePort(v.slice(colon + 1));
  if (port === undefined) return { host: v };
  const host = v.slice(0, colon);
  // A bare IPv6 address with no port (`2001:db8::1`) also has a last colon: keep it whole when the
  // left part is no address but the whole is.
  if (isIP(host) === 0 && isIP(v) === 6) return { host: v };
  return { host, port };
}

function parsePort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}
