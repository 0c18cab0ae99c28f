import { narrowCidr } from './cidr';

describe('narrowCidr', () => {
  it('finds the common prefix of a NAT pool inside its /24', () => {
    // 243 = 11110011, 250 = 11111010, 252 = 11111100: four common bits → /28 at .240
    expect(narrowCidr('198.51.100.0/24', ['198.51.100.243', '198.51.100.250', '198.51.100.252'])).toBe('198.51.100.240/28');
    expect(narrowCidr('198.51.100.0/24', ['198.51.100.1', '198.51.100.200'])).toBe('198.51.100.0/24');
    expect(narrowCidr('198.51.100.0/24', ['198.51.100.9'])).toBe('198.51.100.9/32');
  });

  it('works for IPv6 and keeps the network when an address is outside it', () => {
    expect(narrowCidr('2001:db8:a10::/48', ['2001:db8:a10:1::5', '2001:db8:a10:1::9'])).toBe('2001:db8:a10:1::/124');
    expect(narrowCidr('198.51.100.0/24', ['203.0.113.5'])).toBe('198.51.100.0/24');
    expect(narrowCidr('198.51.100.0/24', ['not-an-ip'])).toBe('198.51.100.0/24');
  });
});
