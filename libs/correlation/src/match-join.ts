import * as ipaddr from 'ipaddr.js';
import { HOP, REFUSAL_STATUSES, type DenyEvent } from '@denytrace/schema';
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

/** At most this many rounds of the cross-layer pass (each round can chain one more layer). */
const MAX_ROUNDS = 6;

/**
 * Joins what shares no id, by a scored match on time, client, method, path, query and user agent
 * (DESIGN.md: "Match those on method, path and query, user agent and time, and say the join was by
 * match, not by id"). Each pass is a greedy one-to-one assignment, smallest time difference first:
 *
 * 1. **Evidence of the same layer**: a lone event with no usable id (an nginx error-log line) joins the
 *    group holding the same component's record of the same request (same method and path, same client
 *    address when both have one, same status, another dataset), within `matchWindowMs`.
 * 2. **Across layers**, repeated until nothing more joins (a layer logging no id at all — nginx
 *    `combined` — is chained in one layer per round), first only onto groups that hold the entry layer
 *    (whose client address tells requests apart), then among the rest: a group B joins a group A lying outside it when
 *    they share no component, their requests are equal, the status A's layer just outside B logged is
 *    the status B's outermost layer logged, the two are within `matchWindowMs`, and one of them is
 *    incomplete — A shows a refusal that none of its layers made, or B lacks the entry layer every
 *    request passes (the CDN when one is logged).
 *
 * Returns the groups after merging (merged groups removed).
 */
export function matchJoin(groups: Group[], events: readonly DenyEvent[], times: readonly number[], idLinked: Uint8Array, opts: CorrelationOptions): Group[] {
  const ctx: Ctx = { events, times, keys: events.map(requestKey), opts };
  let out = sameLayerPass(groups, ctx, idLinked);
  const entryHop = entryHopOf(events);
  // Grow traces from the entry layer inward first, where the client address tells requests apart;
  // then let what is left (groups that lost their entry layer) pair among themselves.
  for (const fromEntryOnly of [true, false]) {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = out.length;
      out = crossLayerPass(out, ctx, entryHop, fromEntryOnly);
      if (out.length === before) break;
    }
  }
  return out;
}

function sameLayerPass(groups: Group[], ctx: Ctx, idLinked: Uint8Array): Group[] {
  const { events, times, keys, opts } = ctx;
  const loners = groups.filter((g) => g.members.length === 1 && !idLinked[g.members[0]] && keys[g.members[0]]);
  if (loners.length === 0) return groups;
  // Index every record by component + method + path.
  const index = new Map<string, Array<{ g: Group; i: number }>>();
  for (const g of groups) {
    for (const i of g.members) {
      const k = keys[i];
      if (!k) continue;
      const key = `${events[i].denytrace.component}\u0000${k.method}\u0000${k.path}`;
      let list = index.get(key);
      if (!list) index.set(key, (list = []));
      list.push({ g, i });
    }
  }
  const pairs: Array<{ dt: number; a: Group; b: Group }> = [];
  for (const loner of loners) {
    const li = loner.members[0];
    const le = events[li];
    const k = keys[li]!;
    for (const { g, i } of index.get(`${le.denytrace.component}\u0000${k.method}\u0000${k.path}`) ?? []) {
      if (g === loner) continue;
      const e = events[i];
      if (e.event.dataset === le.event.dataset) continue;
      const dt = Math.abs(times[i] - times[li]);
      if (dt > opts.matchWindowMs) continue;
      if (le.source?.ip && e.source?.ip && le.source.ip !== e.source.ip) continue;
      const ls = le.http?.response?.status_code;
      const es = e.http?.response?.status_code;
      if (ls !== undefined && es !== undefined && ls !== es) continue;
      if (g.members.some((m) => events[m].event.dataset === le.event.dataset)) continue;
      pairs.push({ dt, a: g, b: loner });
    }
  }
  return applyPairs(groups, pairs);
}

/** What the cross-layer pass needs to know of one group. */
interface Shape {
  g: Group;
  /** Members sorted by hop (outermost first). */
  sorted: number[];
  components: Set<string>;
  outer: number;
  /** Shows a refusal status that none of its own layers made. */
  needsInner: boolean;
  /** Lacks the entry layer. */
  orphan: boolean;
  /** The client address as seen by the group's outermost layer that sees clients (not a load balancer's peer, not a private address). */
  client: string | undefined;
}

function crossLayerPass(groups: Group[], ctx: Ctx, entryHop: number, fromEntryOnly: boolean): Group[] {
  const { events, times, keys, opts } = ctx;
  const hopOf = (i: number) => events[i].denytrace.hop;
  const shapes: Shape[] = groups.map((g) => {
    const sorted = [...g.members].sort((a, b) => hopOf(a) - hopOf(b) || times[a] - times[b]);
    const deny = sorted.some((i) => events[i].denytrace.decision === 'deny');
    const deepest = events[sorted[sorted.length - 1]];
    const shows = isRefusal(deepest.http?.response?.status_code) || isRefusal(deepest.denytrace.upstream_status);
    return {
      g,
      sorted,
      components: new Set(sorted.map((i) => events[i].denytrace.component)),
      outer: sorted[0],
      needsInner: !deny && shows && deepest.denytrace.decision !== 'deny',
      orphan: hopOf(sorted[0]) > entryHop,
      client: clientOf(sorted, events),
    };
  });
  // Index every group by its outermost event's method + path, sorted by that event's time.
  const index = new Map<string, Shape[]>();
  for (const s of shapes) {
    const k = keys[s.outer];
    if (!k) continue;
    const key = `${k.method}\u0000${k.path}`;
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(s);
  }
  for (const list of index.values()) list.sort((x, y) => times[x.outer] - times[y.outer]);

  const pairs: Array<{ dt: number; a: Group; b: Group }> = [];
  for (const a of shapes) {
    if (fromEntryOnly && a.orphan) continue;
    for (const ai of a.sorted) {
      const ak = keys[ai];
      if (!ak) continue;
      const list = index.get(`${ak.method}\u0000${ak.path}`);
      if (!list) continue;
      const t = times[ai];
      for (let j = lowerBound(list, t - opts.matchWindowMs, (s) => times[s.outer]); j < list.length; j++) {
        const b = list[j];
        if (times[b.outer] > t + opts.matchWindowMs) break;
        if (b === a || !(a.needsInner || b.orphan)) continue;
        const bHop = hopOf(b.outer);
        if (hopOf(a.outer) >= bHop) continue;
        // `ai` must be A's layer just outside B.
        const adjacent = lastBefore(a.sorted, bHop, hopOf);
        if (adjacent !== ai) continue;
        if ([...b.components].some((c) => a.components.has(c))) continue;
        if (!sameRequest(ak, keys[b.outer]!)) continue;
        if (a.client && b.client && a.client !== b.client) continue;
        const passed = events[ai].denytrace.upstream_status ?? events[ai].http?.response?.status_code;
        if (passed !== events[b.outer].http?.response?.status_code) continue;
        pairs.push({ dt: Math.abs(times[b.outer] - t), a: a.g, b: b.g });
      }
    }
  }
  return applyPairs(groups, pairs);
}

/**
 * The client address of a group: from its outermost event that logged a public address and is not a
 * load balancer (whose peer is the CDN edge). A private address is a hop inside the site, not the client.
 */
function clientOf(sorted: number[], events: readonly DenyEvent[]): string | undefined {
  for (const i of sorted) {
    const e = events[i];
    const ip = e.source?.ip;
    // A load balancer's peer, and a web ACL attached to one, is the CDN edge when a CDN is in front.
    if (!ip || e.observer.type === 'load-balancer' || (e.denytrace.layer === 'waf' && e.denytrace.hop > HOP.cdn)) continue;
    if (isInternal(ip)) continue;
    return ip;
  }
  return undefined;
}

const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

function isInternal(ip: string): boolean {
  try {
    return INTERNAL_RANGES.has(ipaddr.parse(ip).range());
  } catch {
    return true;
  }
}

function isRefusal(s: number | null | undefined): boolean {
  return s !== null && s !== undefined && REFUSAL_STATUSES.has(s);
}

/** The hop every request enters by: the CDN when one is logged, else the outermost non-WAF layer, else the outermost. */
function entryHopOf(events: readonly DenyEvent[]): number {
  let cdn = Infinity;
  let nonWaf = Infinity;
  let any = Infinity;
  for (const e of events) {
    const h = e.denytrace.hop;
    if (e.denytrace.layer === 'cdn' && h < cdn) cdn = h;
    if (e.denytrace.layer !== 'waf' && h < nonWaf) nonWaf = h;
    if (h < any) any = h;
  }
  return cdn < Infinity ? cdn : nonWaf < Infinity ? nonWaf : any;
}

/** The last member (sorted by hop) whose hop is below `hop`. */
function lastBefore(sorted: number[], hop: number, hopOf: (i: number) => number): number | undefined {
  let found: number | undefined;
  for (const i of sorted) {
    if (hopOf(i) < hop) found = i;
    else break;
  }
  return found;
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
