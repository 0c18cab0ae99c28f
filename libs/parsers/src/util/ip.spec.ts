import { normalizeIp, splitHostPort } from './ip';

describe('normalizeIp (RFC 5952 §4 text form)', () => {
  it('compresses and lower-cases IPv6, keeps IPv4', () => {
    // RFC 5952 §4.2.1/§4.3: longest zero run as ::, lower case, no leading zeros.
    expect(normalizeIp('2001:0DB8:85A3:0000:0000:8A2E:0370:7334')).toBe('2001:db8:85a3::8a2e:370:7334');
    // §4.2.3: the first of two equal-length zero runs is compressed.
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    // §5: IPv4-mapped addresses keep the dotted quad.
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(normalizeIp('[2001:db8::7]')).toBe('2001:db8::7');
    expect(normalizeIp('192.0.2.44')).toBe('192.0.2.44');
  });

  it('rejects what is not an address', () => {
    for (const s of ['2001', '-', '', 'unknown', '01.2.3.4', '192.0.2.256', undefined, null]) expect(normalizeIp(s)).toBeUndefined();
  });
});

describe('splitHostPort (last colon; goaccess#2557)', () => {
  it('splits IPv6 client:port on the last colon', () => {
    expect(splitHostPort('2001:db8:4538:1:bcf4:5264:e01c:f215:50718')).toEqual({ host: '2001:db8:4538:1:bcf4:5264:e01c:f215', port: 50718 });
    expect(splitHostPort('2001:db8::7:61022')).toEqual({ host: '2001:db8::7', port: 61022 });
    expect(splitHostPort('[2001:db8::7]:443')).toEqual({ host: '2001:db8::7', port: 443 });
    expect(splitHostPort('192.0.2.44:50111')).toEqual({ host: '192.0.2.44', port: 50111 });
    expect(splitHostPort('api.example.com:443')).toEqual({ host: 'api.example.com', port: 443 });
  });

  it('keeps a value without a port whole', () => {
    expect(splitHostPort('api.example.com')).toEqual({ host: 'api.example.com' });
    expect(splitHostPort('2001:db8::1')).toEqual({ host: '2001:db8::1' });
    expect(splitHostPort('host:99999')).toEqual({ host: 'host:99999' });
    expect(splitHostPort('-')).toBeUndefined();
  });
});
