import { cooldownKey, dedupKey, nextNotification, notificationJobId, type NotificationState } from './dedup';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 12, 14, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('dedupKey', () => {
  it('is denytrace- + 40 hex of SHA-256 of ["<subscription id>","<spike id>"]', () => {
    // printf '["sub-slack","spk_2024-03-12T14:50Z_geo_BR"]' | sha256sum | cut -c1-40
    expect(dedupKey({ id: 'spk_2024-03-12T14:50Z_geo_BR' }, { id: 'sub-slack' })).toBe('denytrace-29741f2df93eaba0c8e270c900b8d0aaa242927d');
  });
  it('differs per subscription and per spike, is stable, and fits PagerDuty and BullMQ ids', () => {
    const a = dedupKey({ id: 's1' }, { id: 'sub-a' });
    expect(dedupKey({ id: 's1' }, { id: 'sub-a' })).toBe(a);
    expect(dedupKey({ id: 's1' }, { id: 'sub-b' })).not.toBe(a);
    expect(dedupKey({ id: 's2' }, { id: 'sub-a' })).not.toBe(a);
    // an id with a separator cannot collide with another split of the same characters
    expect(dedupKey({ id: 'b\nc' }, { id: 'a' })).not.toBe(dedupKey({ id: 'c' }, { id: 'a\nb' }));
    const long = dedupKey({ id: 'x:'.repeat(500) }, { id: 'y' });
    expect(long).toMatch(/^denytrace-[0-9a-f]{40}$/);
    expect(notificationJobId(long, 'firing')).not.toContain(':');
  });
  it('cooldownKey joins kind, dimension, value', () => {
    expect(cooldownKey({ kind: 'new_rule', dimension: 'rule.id', value: 'r1' })).toBe('new_rule\u001frule.id\u001fr1');
  });
});

describe('nextNotification', () => {
  const firing = { status: 'firing' as const, start: iso(T0), end: null };
  const resolved = { status: 'resolved' as const, start: iso(T0), end: iso(T0 + 20 * MIN) };
  const now = T0 + 25 * MIN;

  it.each<[NotificationState, 'firing' | 'resolved', string | null, NotificationState, string]>([
    ['none', 'firing', 'firing', 'firing_sent', 'first_firing'],
    ['firing_sent', 'firing', null, 'firing_sent', 'already_firing'],
    ['firing_sent', 'resolved', 'resolved', 'resolved_sent', 'resolved'],
    ['resolved_sent', 'resolved', null, 'resolved_sent', 'closed'],
    ['resolved_sent', 'firing', null, 'resolved_sent', 'closed'], // never a firing after resolved
    ['none', 'resolved', 'resolved', 'resolved_sent', 'resolved_unfired'], // opened and closed before firing went out
  ])('%s + spike %s → send %s, state %s (%s)', (prev, status, send, next, reason) => {
    const spike = status === 'firing' ? firing : resolved;
    expect(nextNotification({ prev, spike, now })).toEqual({ send, next, reason });
  });

  it('exactly one firing then one resolved over a spike life, detect run every minute, run twice each', () => {
    let state: NotificationState = 'none';
    const sent: string[] = [];
    for (let m = 0; m < 40; m++) {
      const spike = m < 30 ? firing : { ...resolved, end: iso(T0 + 30 * MIN) };
      for (let twice = 0; twice < 2; twice++) {
        const d = nextNotification({ prev: state, spike, now: T0 + m * MIN });
        if (d.send) sent.push(d.send);
        state = d.next;
      }
    }
    expect(sent).toEqual(['firing', 'resolved']);
  });

  describe('cooldown fold (default 30 min)', () => {
    const lastEnd = iso(T0 - 10 * MIN); // same kind/dimension/value resolved 10 min before this start

    it('a re-fire within the cooldown is folded while it is short', () => {
      expect(nextNotification({ prev: 'none', spike: firing, lastNotifiedEnd: lastEnd, now: T0 + 5 * MIN })).toEqual({ send: null, next: 'none', reason: 'folded' });
    });
    it('…and pages if still firing cooldown after its own start', () => {
      expect(nextNotification({ prev: 'none', spike: firing, lastNotifiedEnd: lastEnd, now: T0 + 30 * MIN })).toEqual({ send: 'firing', next: 'firing_sent', reason: 'first_firing' });
    });
    it('a folded spike that resolves quickly is closed silently; one that lasted longer gets its resolved', () => {
      const quick = { status: 'resolved' as const, start: iso(T0), end: iso(T0 + 10 * MIN) };
      expect(nextNotification({ prev: 'none', spike: quick, lastNotifiedEnd: lastEnd, now: T0 + 11 * MIN })).toEqual({ send: null, next: 'resolved_sent', reason: 'folded' });
      const longer = { status: 'resolved' as const, start: iso(T0), end: iso(T0 + 45 * MIN) };
      expect(nextNotification({ prev: 'none', spike: longer, lastNotifiedEnd: lastEnd, now: T0 + 46 * MIN }).send).toBe('resolved');
    });
    it('a re-fire after the cooldown pages; a custom cooldown applies', () => {
      const old = iso(T0 - 31 * MIN);
      expect(nextNotification({ prev: 'none', spike: firing, lastNotifiedEnd: old, now: T0 + MIN }).send).toBe('firing');
      expect(nextNotification({ prev: 'none', spike: firing, lastNotifiedEnd: lastEnd, now: T0 + MIN, cooldownMs: 5 * MIN }).send).toBe('firing');
    });
    it('the fold never touches a spike already notified', () => {
      expect(nextNotification({ prev: 'firing_sent', spike: resolved, lastNotifiedEnd: lastEnd, now }).send).toBe('resolved');
    });
  });

  it('throws RangeError on an unparseable start', () => {
    expect(() => nextNotification({ prev: 'none', spike: { ...firing, start: 'yesterday' }, now })).toThrow(RangeError);
  });
});
