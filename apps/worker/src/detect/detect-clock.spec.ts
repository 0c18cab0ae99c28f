import { MAX_SOURCE_WAIT_MS, sourcesReached, ticksToRun } from './detect-clock';

const T = Date.UTC(2024, 2, 12, 12, 0, 0);
const MIN = 60_000;

describe('detection clock', () => {
  it('waits for the slowest source, unless it is more than 15 minutes behind the newest', () => {
    expect(sourcesReached([{ last_minute: T + 10 * MIN }, { last_minute: T + 7 * MIN }])).toBe(T + 8 * MIN);
    expect(sourcesReached([{ last_minute: T + 60 * MIN }, { last_minute: T + 60 * MIN - MAX_SOURCE_WAIT_MS - MIN }])).toBe(T + 61 * MIN);
    expect(sourcesReached([])).toBeUndefined();
  });

  it('a backlog: ticks from the first moment a baseline exists to the end of the data, never past what every source reached', () => {
    const base = { lastTick: undefined, firstData: T, lastData: T + 60 * MIN, now: Date.UTC(2026, 0, 1), tickMs: 30_000, minStartMs: 16 * MIN };
    const all = ticksToRun(base);
    expect(all[0]).toBe(T + 16 * MIN);
    expect(all[all.length - 1]).toBe(T + 60 * MIN + 30_000);
    const held = ticksToRun({ ...base, reached: T + 30 * MIN });
    expect(held[held.length - 1]).toBe(T + 30 * MIN);
    expect(ticksToRun({ ...base, lastTick: T + 30 * MIN, reached: T + 30 * MIN })).toEqual([]);
  });

  it('live logs: ticks follow the clock (30 s behind) through quiet minutes', () => {
    const now = T + 90 * MIN;
    const ticks = ticksToRun({ lastTick: T + 80 * MIN, firstData: T, lastData: T + 85 * MIN, now, tickMs: 30_000, minStartMs: 16 * MIN });
    expect(ticks[ticks.length - 1]).toBe(now - 30_000);
  });
});
