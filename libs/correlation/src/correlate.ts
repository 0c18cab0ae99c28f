import type { DenyEvent, Verdict } from '@denytrace/schema';
import { decide, type TraceMember } from './attribution';
import { joinById } from './id-join';
import { matchJoin, type Group } from './match-join';
import { DEFAULT_CORRELATION_OPTIONS, FULL_COVERAGE, type CorrelationOptions, type CoverageView, type NetworkInfo } from './options';

export interface CorrelateContext {
  /** Which layers were ingested (for missing layers); default: all. */
  coverage?: CoverageView;
  /** Network table lookup for the client's country, region, network and organization. */
  network?: (ip: string) => NetworkInfo | undefined;
  /** "Now" in epoch ms, for provisional verdicts; default `Date.now()`. */
  now?: number;
  options?: Partial<CorrelationOptions>;
}

/**
 * Joins events into traces and decides each trace that holds a refusal. Pure: same events, same
 * verdicts, in whatever order they arrive (events are de-duplicated by `event.id` and sorted first).
 *
 * 1. id join: union of events sharing a trusted correlation id (see `joinById`);
 * 2. match join: what shares no id, by a scored match (see `matchJoin`);
 * 3. attribution per trace (see `decide`).
 *
 * @returns verdicts ordered by `first_seen`, then `trace_id`.
 */
export function correlate(input: readonly DenyEvent[], ctx: CorrelateContext = {}): Verdict[] {
  const opts: CorrelationOptions = { ...DEFAULT_CORRELATION_OPTIONS, ...ctx.options };
  const byId = new Map<string, DenyEvent>();
  for (const e of input) if (!byId.has(e.event.id)) byId.set(e.event.id, e);
  const events = [...byId.values()].sort((a, b) => cmp(a['@timestamp'], b['@timestamp']) || cmp(a.event.id, b.event.id));
  const times = events.map((e) => Date.parse(e['@timestamp']));

  const { uf, untrusted, linked } = joinById(events, times, opts);
  let groups: Group[] = uf.groups().map((members) => ({ members, matched: new Set<number>() }));
  groups = matchJoin(groups, events, times, linked, opts);

  const verdicts: Verdict[] = [];
  const now = ctx.now ?? Date.now();
  for (const g of groups) {
    const members: TraceMember[] = g.members.map((i) => ({
      e: events[i],
      t: times[i],
      joinedBy: g.matched.has(i) ? 'match' : g.members.length === 1 ? 'root' : 'id',
    }));
    const v = decide(members, { coverage: ctx.coverage ?? FULL_COVERAGE, untrusted, network: ctx.network, now, opts });
    if (v) verdicts.push(v);
  }
  return verdicts.sort((a, b) => cmp(a.first_seen, b.first_seen) || cmp(a.trace_id, b.trace_id));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type { CoverageView };
