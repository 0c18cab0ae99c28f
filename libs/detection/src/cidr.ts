import * as ipaddr from 'ipaddr.js';

/**
 * The smallest CIDR inside `network` that holds every one of `ips` (their common prefix), in
 * canonical text; `network` itself when an address is outside it, invalid, or of the other family.
 * For a NAT pool 198.51.100.243, .250, .252 inside 198.51.100.0/24 this is 198.51.100.240/28.
 */
export function narrowCidr(network: string, ips: readonly string[]): string {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    range = ipaddr.parseCIDR(network);
  } catch {
    return network;
  }
  const [base, prefix] = range;
  const addrs: Array<ipaddr.IPv4 | ipaddr.IPv6> = [];
  for (const ip of ips) {
    let a: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      a = ipaddr.process(ip);
    } catch {
      return network;
    }
    if (a.kind() !== base.kind() || !a.match(range)) return network;
    addrs.push(a);
  }
  if (addrs.length === 0) return network;
  const bytes = addrs.map((a) => a.toByteArray());
  const first = bytes[0]!;
  let common = first.length * 8;
  for (const b of bytes.slice(1)) {
    for (let bit = 0; bit < common; bit++) {
      const mask = 0x80 >> (bit % 8);
      if ((b[bit >> 3]! & mask) !== (first[bit >> 3]! & mask)) {
        common = bit;
        break;
      }
    }
  }
  const len = Math.max(prefix, common);
  const masked = first.map((byte, i) => {
    const bitsHere = Math.min(8, Math.max(0, len - i * 8));
    return byte & (bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff);
  });
  const addr = ipaddr.fromByteArray(masked);
  return `${addr.toString()}/${len}`;
}
