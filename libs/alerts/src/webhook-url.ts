import { lookup as dnsLookup } from 'node:dns/promises';
import * as ipaddr from 'ipaddr.js';

/** Why a subscription URL was refused. */
export type WebhookUrlProblem = 'invalid_url' | 'too_long' | 'unsupported_scheme' | 'credentials_in_url' | 'private_address';

export type WebhookUrlResult = { ok: true; url: URL } | { ok: false; problem: WebhookUrlProblem; message: string };

export interface WebhookUrlOptions {
  /**
   * Refuse loopback, private, link-local, unique-local, carrier-grade NAT, multicast, reserved and
   * unspecified addresses and `localhost` names (SSRF protection for a shared, multi-tenant
   * install). Off by default: a self-hosted denytrace commonly posts to a receiver on its own network.
   */
  refusePrivate?: boolean;
}

/** Longest URL accepted, characters. */
export const WEBHOOK_URL_MAX = 2048;

/**
 * Whether an IP address (v4 dotted, v6, with or without brackets) is anything but public unicast,
 * per ipaddr.js's ranges (https://github.com/whitequark/ipaddr.js): an IPv4-mapped IPv6 address is
 * judged as its IPv4 address. Not an address → false.
 */
export function isNonPublicAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(bare)) return false;
  let addr = ipaddr.parse(bare);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return addr.range() !== 'unicast';
}

/**
 * Check a webhook subscription URL: absolute, ≤ 2048 characters, `http:` or `https:`, no
 * `user:password@` (secrets belong in the subscription's `secret`, and URLs end up in logs).
 * With `refusePrivate`, also refuses an IP-literal host that is not public unicast
 * (`isNonPublicAddress`; WHATWG URL parsing has already turned `0x7f.1` or `2130706433` into
 * `127.0.0.1`) and `localhost` / `*.localhost`. A host *name* that resolves to a private address
 * is not caught here — check it at delivery time with `assertPublicHost`. Never throws.
 */
export function validateWebhookUrl(raw: string, opts: WebhookUrlOptions = {}): WebhookUrlResult {
  if (typeof raw !== 'string' || raw.length > WEBHOOK_URL_MAX) return { ok: false, problem: 'too_long', message: `URL longer than ${WEBHOOK_URL_MAX} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'invalid_url', message: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'unsupported_scheme', message: `scheme ${url.protocol} not allowed: use http or https` };
  if (url.username || url.password) return { ok: false, problem: 'credentials_in_url', message: 'credentials in the URL are not allowed' };
  if (!url.hostname) return { ok: false, problem: 'invalid_url', message: 'no host' };
  if (opts.refusePrivate) {
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    if (host === 'localhost' || host.endsWith('.localhost') || isNonPublicAddress(host)) {
      return { ok: false, problem: 'private_address', message: `host ${url.hostname} is not a public address` };
    }
  }
  return { ok: true, url };
}

/** Thrown by `assertPublicHost`. */
export class NonPublicHostError extends Error {
  override readonly name = 'NonPublicHostError';
  constructor(readonly host: string, readonly address: string) {
    super(`host ${host} resolves to non-public address ${address}`);
  }
}

type LookupAll = (host: string, opts: { all: true }) => Promise<{ address: string; family: number }[]>;

/**
 * Resolve a host name (every address, via `dns.promises.lookup` unless `lookup` is given) and
 * throw `NonPublicHostError` if any address is not public unicast. For `refusePrivate`
 * installs, call it just before `deliver`. It narrows, not closes, the DNS-rebinding window: the
 * HTTP client resolves again when it connects.
 */
export async function assertPublicHost(host: string, lookup: LookupAll = dnsLookup as unknown as LookupAll): Promise<void> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const addresses = ipaddr.isValid(bare) ? [{ address: bare, family: 0 }] : await lookup(bare, { all: true });
  for (const a of addresses) if (isNonPublicAddress(a.address)) throw new NonPublicHostError(host, a.address);
}
