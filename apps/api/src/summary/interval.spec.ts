import { bucketCount, bucketStarts, formatInterval, MAX_BUCKETS, parseInterval, pickInterval } from './interval';

const at = (iso: string) => Date.parse(iso);

describe('parseInterval', () => {
  it('reads a number and one unit', () => {
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('1m')).toBe(60_000);
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('1d')).toBe(86_400_000);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '0m', '5', 'm', '1.5h', '5 m', '-1m', '1w', '01m', '1m1', `${'9'.repeat(50)}m`]) expect(parseInterval(bad)).toBeUndefined();
  });

  it('writes milliseconds back in the largest whole unit', () => {
    expect(formatInterval(300_000)).toBe('5m');
    expect(formatInterval(90_000)).toBe('90s');
    expect(formatInterval(86_400_000)).toBe('1d');
  });
});

describe('buckets', () => {
  it('are aligned to the interval since the epoch (UTC), the first at or before since', () => {
    expect(bucketStarts(at('2024-03-12T12:07:00Z'), at('2024-03-12T12:20:00Z'), 300_000).map((b) => new Date(b).toISOString())).toEqual([
      '2024-03-12T12:05:00.000Z',
      '2024-03-12T12:10:00.000Z',
      '2024-03-12T12:15:00.000Z',
    ]);
    expect(bucketCount(at('2024-03-12T12:07:00Z'), at('2024-03-12T12:20:00Z'), 300_000)).toBe(3);
  });
});

describe('pickInterval', () => {
  it('picks the smallest usual interval with at most 500 buckets', () => {
    expect(pickInterval(at('2024-03-12T12:00:00Z'), at('2024-03-12T15:00:00Z'))).toBe(60_000); // 180 buckets
    expect(pickInterval(at('2024-03-12T00:00:00Z'), at('2024-03-13T00:00:00Z'))).toBe(300_000); // 1440 at 1m, 288 at 5m
    expect(pickInterval(at('2024-01-01T00:00:00Z'), at('2024-04-01T00:00:00Z'))).toBe(6 * 3_600_000); // 91 days: 546 at 3h, 364 at 6h
  });

  it('goes to whole weeks for very long ranges, still within 500 buckets', () => {
    const since = at('1990-01-01T00:00:00Z');
    const until = at('2024-01-01T00:00:00Z');
    const ms = pickInterval(since, until);
    expect(ms % (7 * 86_400_000)).toBe(0);
    expect(bucketCount(since, until, ms)).toBeLessThanOrEqual(MAX_BUCKETS);
  });
});
