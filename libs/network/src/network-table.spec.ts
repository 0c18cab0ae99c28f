import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultNetworkOf, NetworkTable, NetworkTableError } from './network-table';

const GEOIP = path.resolve(__dirname, '../../../../shared/scenarios/s1/geoip.csv');

const HAND_MADE = [
  'network,country_iso_code,region_iso_code,organization,asn_note',
  '198.51.0.0/16,DE,DE-HE,Wide Net,ignored',
  '198.51.100.0/24,GB,GB-ENG,"Narrow, ""quoted"" Net",ignored',
  '2001:db8:abcd::/48,FR,FR-IDF,Six Net',
  '2001:db8::/32,US,,Doc Six',
  'not-a-network,XX,,Broken',
  '198.51.100.7/24,NL,,Duplicate after host bits cleared',
  '10.0.0.0/33,US,,Bad length',
  '"unterminated,US,,x',
].join('\r\n');

describe('NetworkTable', () => {
  const table = NetworkTable.fromCsv(HAND_MADE);

  it('loads good rows, reports bad ones by line without throwing', () => {
    expect(table.size).toBe(4);
    expect(table.badRows.map((r) => r.line)).toEqual([6, 7, 8, 9]);
    expect(table.badRows[1].reason).toContain('duplicate network 198.51.100.0/24');
  });

  it('takes the longest matching prefix, IPv4', () => {
    expect(table.lookup('198.51.100.9')).toEqual({ network: '198.51.100.0/24', country: 'GB', region: 'GB-ENG', organization: 'Narrow, "quoted" Net' });
    expect(table.lookup('198.51.7.1')).toEqual({ network: '198.51.0.0/16', country: 'DE', region: 'DE-HE', organization: 'Wide Net' });
    expect(table.lookup('::ffff:198.51.100.9')?.network).toBe('198.51.100.0/24');
  });

  it('takes the longest matching prefix, IPv6', () => {
    expect(table.lookup('2001:db8:abcd:12::1')).toMatchObject({ network: '2001:db8:abcd::/48', country: 'FR' });
    expect(table.lookup('2001:db8:ffff::1')).toEqual({ network: '2001:db8::/32', country: 'US', region: undefined, organization: 'Doc Six' });
  });

  it('misses outside the table and on invalid input', () => {
    expect(table.lookup('198.52.0.1')).toBeUndefined();
    expect(table.lookup('2001:db9::1')).toBeUndefined();
    expect(table.lookup('banana')).toBeUndefined();
    expect(table.lookup('198.51.100')).toBeUndefined();
    expect(table.networkOf('192.0.2.77')).toBe('192.0.2.0/24');
  });

  it('requires a header with a network column', () => {
    expect(() => NetworkTable.fromCsv('cidr,country\n192.0.2.0/24,US\n')).toThrow(NetworkTableError);
    expect(() => NetworkTable.fromCsv('')).toThrow(NetworkTableError);
  });

  it('loads the s1 geoip.csv with no bad rows and resolves 203.0.113.5 to its row', () => {
    const csv = readFileSync(GEOIP, 'utf8');
    const rows = csv.trim().split('\n').slice(1);
    const s1 = NetworkTable.fromCsv(csv);
    expect(s1.badRows).toEqual([]);
    expect(s1.size).toBe(rows.length);
    const [network, country, region, organization] = rows.find((r) => r.startsWith('203.0.113.0/28,'))!.split(',');
    expect(s1.lookup('203.0.113.5')).toEqual({ network, country, region, organization });
  });

  it('is fast for many lookups and long crafted input', () => {
    const big = NetworkTable.fromCsv(readFileSync(GEOIP, 'utf8'));
    let hits = 0;
    for (let i = 0; i < 200000; i++) if (big.lookup(`203.0.113.${i & 255}`)) hits++;
    expect(hits).toBe(200000);
    expect(big.lookup('1'.repeat(100000))).toBeUndefined();
    expect(NetworkTable.fromCsv('network\n' + '"'.repeat(50001)).badRows).toHaveLength(1);
  });
});

describe('defaultNetworkOf', () => {
  it('groups IPv4 by /24 and IPv6 by /48', () => {
    expect(defaultNetworkOf('203.0.113.66')).toBe('203.0.113.0/24');
    expect(defaultNetworkOf('2001:db8:4538:1:bcf4:5264:e01c:f215')).toBe('2001:db8:4538::/48');
    expect(defaultNetworkOf('::ffff:192.0.2.44')).toBe('192.0.2.0/24');
    expect(defaultNetworkOf('-')).toBeUndefined();
  });
});
