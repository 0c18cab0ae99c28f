import { REFUSAL_STATUSES, type DenyEvent } from '@denytrace/schema';
import type { CorrelationOptions } from './options';
import { requestKey, sameRequest, type RequestKey } from './request-key';

/** A group of events under construction: indices into the events array. */
export interface Group {
  members: number[];
  /** Indices that joined by a scored match rather than a shared id. */
  matched: Set<number>;
}

interface Ctx {
  events: readonly DenyEvent[];
  times: readonly number[];
  keys: Array<RequestKey | undefined>;
  opts: CorrelationOptions;
}

/**
 * Joins what shares no id, by a scored match on time, client, method, path, query and user agent
 * (DESIGN.md: "Match those on method, path and query, user agent and time, and say the join was by
 * match, not by id"). Two passes, each a greedy one-to-one assignment by smallest time difference:
 *
 * 1. **Evidence of the same layer**: a lone event with no usable id (an nginx error-log line) joins the
 *    group holding the same component's record of the same request (same method and path, same client
 *    address when both have one, same status), within `matchWindowMs`.
 * 2. **Across layers**: a group whose innermost event shows a refusal it did not make (a CloudFront
 *    `Error` 403) joins a group that starts deeper and has no outer layer (an ALB fixed-response, which
 *    logs no CloudFront id) when the requests are equal and the status agrees.
 *
 * Mutates and returns `groups` (merged groups are removed).
 */
export function matchJoin(groups: Group[], events: readonly DenyEvent[], times: readonly number[], idLinked: Uint8Array, opts: CorrelationOptions): Group[] {
  const ctx: Ctx = { events, times, keys: events.map(requestKey), opts };
  let out = sameLayerPass(groups, ctx, idLinked);
  out = crossLayerPass(out, ctx);
  return out;
}

function sameLayerPass(groups: Group[], ctx: Ctx, idLinked: Uint8Array): Group[] {
  const { events, times, keys, opts } = ctx;
  const loners = groups.filter((g) => g.members.length === 1 && !idLinked[g.members[0]] && keys[g.members[0]]);
  if (loners.length === 0) return groups;
  const lonerSet = new Set(loners);
  // Index the candidate records by component + method + path.
  const index = new Map<string, Array<{ g: Group; i: number }>>();
  for (const g of groups) {
    if (lonerSet.has(g)) continue;
    for (const i of g.members) {
      const k = keys[i];
      if (!k) continue;
      const key = `${events[i].denytrace.component}\u0000${k.method}\u0000${k.path}`;
      let list = index.get(key);
      if (!list) index.set(key, (list = []));
      list.push({ g, i });
    }
  }
  const pairs: Array<{ dt: number; loner: Group; target: Group }> = [];
  for (const loner of loners) {
    const li = loner.members[0];
    const le = events[li];
    const k = keys[li]!;
    const cands = index.get(`${le.denytrace.component}\u0000${k.method}\u0000${k.path}`);
    if (!cands) continue;
    for (const { g, i } of cands) {
      const e = events[i];
      if (e.event.dataset === le.event.dataset) continue;
      const dt = Math.abs(times[i] - times[li]);
      if (dt > opts.matchWindowMs) continue;
      if (le.source?.ip && e.source?.ip && le.source.ip !== e.source.ip) continue;
      const ls = le.http?.response?.status_code;
      const es = e.http?.response?.status_code;
      if (ls !== undefined && es !== undefined && ls !== es) continue;
      if (g.members.some((m) => events[m].event.dataset === le.event.dataset)) continue;
      pairs.push({ dt, loner, target: g });
    }
  }
  return applyPairs(groups, pairs.map((p) => ({ dt: p.dt, a: p.target, b: p.loner })));
}

function crossLayerPass(groups: Group[], ctx: Ctx): Group[] {
  const { events, times, keys, opts } = ctx;
  const needsInner: Array<{ g: Group; d: number }> = [];
  const needsOuter: Array<{ g: Group; o: number }> = [];
  for (const g of groups) {
    const sorted = [...g.members].sort((a, b) => events[a].denytrace.hop - events[b].denytrace.hop);
    const deepest = sorted[sorted.length - 1];
    const de = events[deepest];
    const status = de.http?.response?.status_code;
    const forwardedRefusal = de.denytrace.decision === 'pass' && de.denytrace.upstream_status != null && REFUSAL_STATUSES.has(de.denytrace.upstream_status);
    if (status !== undefined && REFUSAL_STATUSES.has(status) && (de.denytrace.decision === 'unknown' || forwardedRefusal)) {
      needsInner.push({ g, d: deepest });
    }
    needsOuter.push({ g, o: sorted[0] });
  }
  if (needsInner.length === 0) return groups;
  // Index inner candidates by method + path.
  const index = new Map<string, Array<{ g: Group; o: number }>>();
  for (const c of needsOuter) {
    const k = keys[c.o];
    if (!k) continue;
    const key = `${k.method}\u0000${k.path}`;
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(c);
  }
  for (const list of index.values()) list.sort((x, y) => times[x.o] - times[y.o]);
  const pairs: Array<{ dt: number; a: Group; b: Group }> = [];
  for (const { g, d } of needsInner) {
    const dk = keys[d];
    if (!dk) continue;
    const de = events[d];
    const want = de.denytrace.upstream_status ?? de.http?.response?.status_code;
    const list = index.get(`${dk.method}\u0000${dk.path}`) ?? [];
    for (let j = lowerBound(list, times[d] - opts.matchWindowMs, (c) => times[c.o]); j < list.length; j++) {
      const c = list[j];
      if (times[c.o] > times[d] + opts.matchWindowMs) break;
      if (c.g === g) continue;
      const oe = events[c.o];
      if (oe.denytrace.hop <= de.denytrace.hop) continue;
      if (c.g.members.some((m) => events[m].denytrace.hop <= de.denytrace.hop)) continue;
      if (oe.http?.response?.status_code !== want) continue;
      if (!sameRequest(dk, keys[c.o]!)) continue;
      const dt = Math.abs(times[c.o] - times[d]);
      if (dt > opts.matchWindowMs) continue;
      pairs.push({ dt, a: g, b: c.g });
    }
  }
  return applyPairs(groups, pairs);
}

/** Greedy one-to-one: smallest time difference first; each group joins at most one other in this pass. */
function applyPairs(groups: Group[], pairs: Array<{ dt: number; a: Group; b: Group }>): Group[] {
  if (pairs.length === 0) return groups;
  pairs.sort((x, y) => x.dt - y.dt);
  const used = new Set<Group>();
  const removed = new Set<Group>();
  for (const { a, b } of pairs) {
    if (used.has(a) || used.has(b)) continue;
    used.add(a);
    used.add(b);
    for (const m of b.members) {
      a.members.push(m);
      a.matched.add(m);
    }
    for (const m of b.matched) a.matched.add(m);
    removed.add(b);
  }
  return groups.filter((g) => !removed.has(g));
}

/** First index whose key is >= t in a list sorted by key. */
function lowerBound<T>(list: readonly T[], t: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
