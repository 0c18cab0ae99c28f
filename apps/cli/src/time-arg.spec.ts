import { UsageError } from './context';
import { parseRange, parseTimeArg } from './time-arg';

describe('parseTimeArg', () => {
  const now = new Date('2024-03-12T15:00:00Z');
  it.each([
    ['2024-03-12T10:00:00Z', '2024-03-12T10:00:00.000Z'],
    ['2024-03-12T10:00', '2024-03-12T10:00:00.000Z'],
    ['2024-03-12 10:00', '2024-03-12T10:00:00.000Z'],
    ['2024-03-12', '2024-03-12T00:00:00.000Z'],
    ['2024-03-12T12:00:00+02:00', '2024-03-12T10:00:00.000Z'],
    ['30m', '2024-03-12T14:30:00.000Z'],
    ['2h', '2024-03-12T13:00:00.000Z'],
    ['7d', '2024-03-05T15:00:00.000Z'],
  ])('%s → %s (UTC, whatever TZ says)', (input, want) => {
    expect(parseTimeArg(input, '--since', now)).toBe(want);
  });

  it('rejects what is neither', () => {
    expect(() => parseTimeArg('yesterday', '--since')).toThrow(UsageError);
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => parseRange('2024-03-12T11:00:00Z', '2024-03-12T10:00:00Z')).toThrow(/must be before/);
  });
});
