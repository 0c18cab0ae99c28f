import * as ipaddr from 'ipaddr.js';
import { splitCsvLine } from './csv';

/** What the user's table says about one network. Absent columns or empty cells are undefined. */
export interface NetworkInfo {
  /** The table's network in canonical CIDR text (`203.0.113.0/28`, `2001:db8:100::/48`). */
  network: string;
  /** ISO 3166-1 alpha-2 (ECS `source.geo.country_iso_code`). */
  country?: string;
  /** ISO 3166-2 (ECS `source.geo.region_iso_code`). */
  region?: string;
  /** Network owner (ECS `source.as.organization.name`). */
  organization?: string;
}

/** A CSV row that was not loaded: 1-based physical line, why, and the row as written. */
export interface BadNetworkRow {
  line: number;
  reason: string;
  raw: string;
}

/** The table cannot be read at all (no header, or no `network` column). */
export class NetworkTableError extends Error {
  override readonly name = 'NetworkTableError';
}

/** IPv4 netmask by prefix length, as unsigned 32-bit numbers. */
const V4_MASKS: number[] = Array.from({ length: 33 }, (_, p) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0));

/**
 * A network table the user supplies (DESIGN.md "Spikes": CSV of network, country, region,
 * organization — the scenarios ship theirs as `geoip.csv`), answering longest-prefix-match lookups.
 *
 * Index: one hash map per prefix length and family, probed from the longest length present down to
 * the shortest, so a lookup costs at most one map probe per distinct prefix length in the table
 * (33 for IPv4, 129 for IPv6 at worst, usually a handful). IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`) are looked up as IPv4. Addresses are parsed with ipaddr.js
 * (https://github.com/whitequark/ipaddr.js); IPv4 must be four-part decimal.
 */
export class NetworkTable {
  private readonly v4 = new Map<number, Map<number, NetworkInfo>>();
  private readonly v6 = new Map<number, Map<string, NetworkInfo>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  private count = 0;
  /** Rows that were not loaded; empty for a clean table. */
  readonly badRows: BadNetworkRow[] = [];

  /** An empty table: every lookup misses. */
  static empty(): NetworkTable {
    return new NetworkTable();
  }

  /**
   * Reads `network,country_iso_code,region_iso_code,organization` CSV (RFC 4180 quoting; header row
   * required, column order free, extra columns ignored, a leading BOM and CRLF tolerated). Rows with
   * an invalid or duplicate network or broken quoting go to {@link badRows}; the first row for a
   * network wins. Throws {@link NetworkTableError} only when there is no header with a `network` column.
   */
  static fromCsv(text: string): NetworkTable {
    const table = new NetworkTable();
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    let header: string[] | undefined;
    let col = { network: -1, country: -1, region: -1, organization: -1 };
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      if (raw.trim() === '') continue;
      const cells = splitCsvLine(raw);
      if (!header) {
        if (!cells) throw new NetworkTableError(`network table line ${i + 1}: header has broken quoting`);
        header = cells.map((c) => c.trim().toLowerCase());
        col = {
          network: header.indexOf('network'),
          country: header.indexOf('country_iso_code'),
          region: header.indexOf('region_iso_code'),
          organization: header.indexOf('organization'),
        };
        if (col.network < 0) {
          throw new NetworkTableError(`network table: header must name a "network" column (got: ${raw.slice(0, 200)})`);
        }
        continue;
      }
      if (!cells) {
        table.badRows.push({ line: i + 1, reason: 'unterminated quoted field', raw });
        continue;
      }
      const cell = (j: number): string | undefined => {
        const v = j >= 0 ? cells[j]?.trim() : undefined;
        return v ? v : undefined;
      };
      const reason = table.add({
        network: cell(col.network) ?? '',
        country: cell(col.country)?.toUpperCase(),
        region: cell(col.region)?.toUpperCase(),
        organization: cell(col.organization),
      });
      if (reason) table.badRows.push({ line: i + 1, reason, raw });
    }
    if (!header) throw new NetworkTableError('network table: empty, a header row is required');
    return table;
  }

  /** Number of networks loaded. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds one network (CIDR text; host bits are cleared). Returns why it was refused, or undefined
   * when it was added.
   */
  add(row: NetworkInfo): string | undefined {
    const cidr = parseCidr(row.network);
    if (!cidr) return `invalid network "${row.network}"`;
    const [addr, len] = cidr;
    const info: NetworkInfo = { ...row };
    if (addr.kind() === 'ipv4') {
      const net = (v4Number(addr as ipaddr.IPv4) & V4_MASKS[len]) >>> 0;
      info.network = `${v4Text(net)}/${len}`;
      let bucket = this.v4.get(len);
      if (!bucket) {
        bucket = new Map();
        this.v4.set(len, bucket);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
      }
      if (bucket.has(net)) return `duplicate network ${info.network}`;
      bucket.set(net, info);
    } else {
      const parts = v6Masked((addr as ipaddr.IPv6).parts, len);
      info.network = `${new ipaddr.IPv6(parts).toString()}/${len}`;
      const key = parts.join(':');
      let bucket = this.v6.get(len);
      if (!bucket) {
        bucket = new Map();
        this.v6.set(len, bucket);
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      if (bucket.has(key)) return `duplicate network ${info.network}`;
      bucket.set(key, info);
    }
    this.count += 1;
    return undefined;
  }

  /** The most specific network of the table holding this address, or undefined (also for an invalid address). */
  lookup(ip: string): NetworkInfo | undefined {
    const fast = parseV4Number(ip);
    if (fast !== undefined) return this.lookupV4(fast);
    const addr = parseAddress(ip);
    if (!addr) return undefined;
    if (addr.kind() === 'ipv4') return this.lookupV4(v4Number(addr as ipaddr.IPv4));
    const parts = (addr as ipaddr.IPv6).parts;
    for (const len of this.v6Lengths) {
      const hit = this.v6.get(len)!.get(v6Masked(parts, len).join(':'));
      if (hit) return hit;
    }
    return undefined;
  }

  private lookupV4(n: number): NetworkInfo | undefined {
    for (const len of this.v4Lengths) {
      const hit = this.v4.get(len)!.get((n & V4_MASKS[len]) >>> 0);
      if (hit) return hit;
    }
    return undefined;
  }

  /** The table's network for this address, else {@link defaultNetworkOf}; undefined for an invalid address. */
  networkOf(ip: string): string | undefined {
    return this.lookup(ip)?.network ?? defaultNetworkOf(ip);
  }
}

/**
 * The network an address is grouped in when the table does not know it: IPv4 /24, IPv6 /48
 * (IPv4-mapped IPv6 as IPv4), as CIDR text (`203.0.113.0/24`, `2001:db8:100::/48`); undefined for
 * an invalid address.
 */
export function defaultNetworkOf(ip: string): string | undefined {
  const addr = parseAddress(ip);
  if (!addr) return undefined;
  if (addr.kind() === 'ipv4') return `${v4Text((v4Number(addr as ipaddr.IPv4) & V4_MASKS[24]) >>> 0)}/24`;
  return `${new ipaddr.IPv6(v6Masked((addr as ipaddr.IPv6).parts, 48)).toString()}/48`;
}

/** An address as logged (no brackets or port), IPv4-mapped IPv6 turned into IPv4. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const s = ip.trim();
  if (s.includes(':')) {
    if (!ipaddr.IPv6.isValid(s)) return undefined;
    const v6 = ipaddr.IPv6.parse(s);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(s) ? ipaddr.IPv4.parse(s) : undefined;
}

function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) {
    const addr = parseAddress(s);
    return addr ? [addr, addr.kind() === 'ipv4' ? 32 : 128] : undefined;
  }
  if (!s.includes(':') && !ipaddr.IPv4.isValidCIDRFourPartDecimal(s)) return undefined;
  if (!ipaddr.isValidCIDR(s)) return undefined;
  const [addr, len] = ipaddr.parseCIDR(s);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && len >= 96) {
    return [(addr as ipaddr.IPv6).toIPv4Address(), len - 96];
  }
  return [addr, len];
}

/** Dotted-quad IPv4 (`192.0.2.1`, no leading zeros past one digit) as an unsigned 32-bit number; undefined otherwise. */
function parseV4Number(s: string): number | undefined {
  const n = s.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 0x30);
      digits += 1;
      if (octet > 255) return undefined;
    } else if (c === 0x2e) {
      if (digits === 0) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else return undefined;
  }
  return dots === 4 ? value >>> 0 : undefined;
}

function v4Number(a: ipaddr.IPv4): number {
  const o = a.octets;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function v6Masked(parts: readonly number[], len: number): number[] {
  const out = new Array<number>(8);
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, len - i * 16));
    out[i] = bits === 0 ? 0 : parts[i] & ((0xffff << (16 - bits)) & 0xffff);
  }
  return out;
}
