import { createHash } from 'node:crypto';
import * as ipaddr from 'ipaddr.js';
import type { Deploy, Spike, SpikeAlsoMatched } from '@denytrace/schema';
import { findCandidates, testRatio, type Candidate } from './candidates';
import { narrowCidr } from './cidr';
import { clusterCandidates, distinct, dominant, explainCluster, type Explained } from './classify';
import type { Denial } from './denial';
import { keyOf, parseKey, RULE_DIMENSION } from './keys';
import { DEFAULT_DETECTION_OPTIONS, type DetectionOptions } from './options';
import type { DetectionData } from './series';
import { binomialUpperTail, poissonUpperTail } from './stats';
import { spikeSummary } from './summary';

/** What one tick changed. */
export interface TickResult {
  opened: Spike[];
  updated: Spike[];
  resolved: Spike[];
}

const SAMPLE_TRACES = 5;
const MAX_MAGNITUDE = 1000;
const MIN = 60_000;

/**
 * Spike detection over time: call {@link tick} at each tick time (ascending, `tickMs` apart) over
 * data loaded for [t − baseline − longest window, t). Holds the open spikes between ticks; a worker
 * that runs detection in separate passes gives the open spikes from the store to the constructor.
 * Each tick: significant series (candidates.ts) that belong to an open spike (one of its series, or
 * sharing most of its 403s) update it; the rest are clustered and explained (classify.ts) into new
 * spikes; an open spike whose series has not been elevated for `resolveAfterMs` is resolved, its
 * `end` being its last 403 before the series stopped being elevated. Pure: same data and ticks, same spikes (ids are content hashes).
 */
export class Detector {
  private readonly open = new Map<string, Spike>();
  private readonly o: DetectionOptions;

  constructor(
    private readonly data: DetectionData,
    private readonly deploys: readonly Deploy[],
    options: Partial<DetectionOptions> = {},
    open: readonly Spike[] = [],
    /** Start of the data, epoch ms: baselines never reach before it. */
    private readonly dataStart = data.firstBucket,
  ) {
    this.o = { ...DEFAULT_DETECTION_OPTIONS, ...options };
    for (const s of open) if (s.status === 'firing') this.open.set(s.id, s);
  }

  /** The spikes still firing. */
  get firing(): Spike[] {
    return [...this.open.values()];
  }

  /** Runs detection at tick time `t` (epoch ms UTC). */
  tick(t: number): TickResult {
    const res: TickResult = { opened: [], updated: [], resolved: [] };
    const cands = findCandidates(this.data, t, this.deploys, this.o, this.dataStart);
    const free: Candidate[] = [];
    for (const c of cands) {
      const home = this.homeOf(c, t);
      if (home) this.attach(home, c);
      else free.push(c);
    }
    for (const s of this.open.values()) {
      if (this.elevated(s, t)) s.last_elevated_at = new Date(t).toISOString();
      this.refresh(s, t);
      if (t - Date.parse(s.last_elevated_at) >= this.o.resolveAfterMs) {
        this.open.delete(s.id);
        s.status = 'resolved';
        // the last 403 while the series was still elevated: later ones are its usual background
        s.end = this.lastDenial(s, Date.parse(s.last_elevated_at));
        s.summary = spikeSummary(s);
        res.resolved.push(s);
      } else {
        res.updated.push(s);
      }
    }
    // 403s an open spike already explains do not make a second spike (one incident is one page).
    const longest = Math.max(...this.o.windowsMs);
    const explained = new Set<number>();
    for (const s of this.open.values()) for (const i of this.data.denialsIn(seriesKey(s), t - longest, t)) explained.add(i);
    const rest = free
      .map((c) => ({ ...c, denialIdx: c.denialIdx.filter((i) => !explained.has(i)) }))
      .filter((c) => c.denialIdx.length >= this.o.minDenied);
    for (const cl of clusterCandidates(rest)) {
      const ex = explainCluster(cl, this.data, t, this.deploys, this.o, this.dataStart);
      if (!ex) continue;
      const same = [...this.open.values()].find((s) => s.kind === ex.kind && s.series.dimension === ex.dimension && s.series.value === parseKey(ex.explainKey).value);
      if (same) {
        for (const m of cl.members) this.attach(same, m);
        continue;
      }
      const s = this.create(ex, cl.members, [...cl.denialIdx], t);
      if (s.denied < this.o.minDenied) continue; // narrowed to fewer 403s than a spike needs
      this.open.set(s.id, s);
      res.opened.push(s);
    }
    return res;
  }

  /** The open spike a candidate belongs to: one of its series, or holding most of the candidate's 403s. */
  private homeOf(c: Candidate, t: number): Spike | undefined {
    for (const s of this.open.values()) {
      if (keyOf(s.series.dimension, s.series.value, s.series.scope) === c.key) return s;
      if (s.also_matched.some((m) => keyOf(m.dimension, m.value, m.scope) === c.key)) return s;
    }
    const longest = Math.max(...this.o.windowsMs);
    for (const s of this.open.values()) {
      const mine = new Set(this.data.denialsIn(seriesKey(s), t - longest, t));
      let shared = 0;
      for (const i of c.denialIdx) if (mine.has(i)) shared += 1;
      if (shared * 2 >= c.denialIdx.length) return s;
    }
    return undefined;
  }

  private attach(s: Spike, c: Candidate): void {
    if (c.key === seriesKey(s)) return;
    if (!s.also_matched.some((m) => keyOf(m.dimension, m.value, m.scope) === c.key)) {
      s.also_matched.push({ dimension: c.dimension, value: c.value, scope: c.scope, share: 0 });
    }
  }

  /** Whether a spike's series is still above its frozen baseline over the shortest windows. */
  private elevated(s: Spike, t: number): boolean {
    const key = seriesKey(s);
    return this.o.windowsMs.slice(0, 2).some((w) => {
      const d = this.data.deniedCount(key, t - w, t);
      if (d < 2) return false;
      if (s.series.test === 'count') return poissonUpperTail((s.series.expected * w) / MIN, d) < this.o.elevatedAlpha;
      const n = Math.max(d, this.data.requests(key, t - w, t));
      return binomialUpperTail(n, d, s.series.expected) < this.o.elevatedAlpha;
    });
  }

  /** The spike's 403s in [start, t): its series' 403s; for a network spike those inside the reported CIDR. */
  private spikeDenials(s: Spike, t: number): Denial[] {
    const ds = this.data.denialsIn(seriesKey(s), Date.parse(s.start), t).map((i) => this.data.denials[i]!);
    if (s.kind !== 'source_network_block') return ds;
    s.value = networkValue(s.series.value, ds);
    return ds.filter((d) => inCidr(d.ip, s.value));
  }

  private lastDenial(s: Spike, t: number): string {
    const ds = this.spikeDenials(s, t);
    return ds.length ? new Date(ds[ds.length - 1]!.ms).toISOString() : s.start;
  }

  /** Recomputes counts, top emitter, samples, shares and the summary from the spike's 403s so far. */
  private refresh(s: Spike, t: number): void {
    const ds = this.spikeDenials(s, t);
    if (ds.length === 0) return;
    s.denied = ds.length;
    s.sources = distinct(ds, (d) => d.ip).size;
    const top = dominant(ds, (d) => `${d.layer ?? 'unknown'}\u0001${d.component ?? 'unknown'}\u0001${d.rule_id ?? ''}`)!;
    const [layer, component, rule] = top.value.split('\u0001') as [string, string, string];
    s.top_emitter = { layer, component, rule_id: rule || null, share: round(top.count / ds.length) };
    s.sample_trace_ids = ds.slice(0, SAMPLE_TRACES).map((d) => d.trace_id);
    if (s.kind === 'post_rollout_write_denial' || s.kind === 'source_network_block') {
      const role = dominant(ds, (d) => d.roles[0]);
      if (role && s.kind === 'post_rollout_write_denial') s.role = role.value;
      const route = dominant(ds, (d) => d.route);
      if (route) s.route = route.value;
    }
    for (const m of s.also_matched) {
      const k = keyOf(m.dimension, m.value, m.scope);
      m.share = round(ds.filter((d) => d.keys.includes(k)).length / ds.length);
    }
    s.updated_at = new Date(t).toISOString();
    s.summary = spikeSummary(s);
  }

  private create(ex: Explained, members: readonly Candidate[], idx: readonly number[], t: number): Spike {
    const key = ex.explainKey;
    const { dimension, value, scope } = parseKey(key);
    const count = dimension === RULE_DIMENSION;
    const best = members.find((m) => m.key === key) ?? this.bestTest(key, t);
    const ds = idx.map((i) => this.data.denials[i]!).filter((d) => d.keys.includes(key));
    const start = ds.length ? ds[0]!.ms : t;
    const w = best?.windowMs ?? this.o.windowsMs[0]!;
    const baseMin = (best?.baseMs ?? this.o.baselineMs) / MIN;
    const expected = best ? (count ? (best.expected / w) * MIN : best.expected) : 0;
    const baseRatio = best && best.baseRequests > 0 ? best.baseDenied / best.baseRequests : expected;
    const obsRatio = best && best.requests > 0 ? best.denied / best.requests : 1;
    const startIso = new Date(start).toISOString();
    const s: Spike = {
      id: spikeId(ex.kind, ex.dimension, value, startIso),
      kind: ex.kind,
      dimension: ex.dimension,
      value: ex.value,
      start: startIso,
      end: null,
      status: 'firing',
      detected_at: new Date(t).toISOString(),
      baseline: { denied_per_min: round((best?.baseDenied ?? 0) / baseMin), requests_per_min: round((best?.baseRequests ?? 0) / baseMin), deny_ratio: round(baseRatio) },
      observed: { denied_per_min: round((best?.denied ?? 0) / (w / MIN)), requests_per_min: round((best?.requests ?? 0) / (w / MIN)), deny_ratio: round(obsRatio) },
      magnitude: round(Math.min(MAX_MAGNITUDE, count ? (best ? best.denied / Math.max(best.expected, 1e-6) : 1) : obsRatio / Math.max(expected, 1e-6))),
      p_value: best?.p ?? 1,
      denied: ds.length,
      sources: 0,
      top_emitter: { layer: 'unknown', component: 'unknown', rule_id: null, share: 0 },
      sample_trace_ids: [],
      ...(ex.deploy ? { deploy: pickDeploy(ex.deploy), service: ex.deploy.service, method_class: 'write' as const } : {}),
      series: { dimension, value, scope, test: count ? 'count' : 'ratio', expected },
      last_elevated_at: new Date(t).toISOString(),
      also_matched: members.filter((m) => m.key !== key).map((m): SpikeAlsoMatched => ({ dimension: m.dimension, value: m.value, scope: m.scope, share: 0 })),
      summary: '',
      updated_at: new Date(t).toISOString(),
    };
    this.refresh(s, t);
    return s;
  }

  /** The smallest-p window test of a series at t (used when the explaining series was not itself a candidate). */
  private bestTest(key: string, t: number): Candidate | undefined {
    let best: Candidate | undefined;
    for (const w of this.o.windowsMs) {
      const r = testRatio(this.data, key, t, w, this.o, this.dataStart);
      if (r && (!best || r.p < best.p)) best = { ...r, alpha: this.o.alpha, denialIdx: [] };
    }
    return best;
  }
}

function seriesKey(s: Spike): string {
  return keyOf(s.series.dimension, s.series.value, s.series.scope);
}

/**
 * The CIDR a network spike reports: the narrowest one inside the counted network that holds every
 * address with a real share of the spike's 403s (≥ 5 % and ≥ 2), so a stray scanner elsewhere in
 * the /24 does not widen a NAT pool's /28 back to the /24.
 */
function networkValue(network: string, ds: readonly Denial[]): string {
  if (ds.some((d) => d.table_network)) return network;
  const counts = new Map<string, number>();
  for (const d of ds) if (d.ip) counts.set(d.ip, (counts.get(d.ip) ?? 0) + 1);
  const floor = Math.max(2, ds.length * 0.05);
  const main = [...counts].filter(([, n]) => n >= floor).map(([ip]) => ip);
  return narrowCidr(network, main.length ? main : [...counts.keys()]);
}

function inCidr(ip: string | null, cidr: string): boolean {
  if (!ip) return false;
  try {
    const a = ipaddr.process(ip);
    const range = ipaddr.parseCIDR(cidr);
    return a.kind() === range[0].kind() && a.match(range);
  } catch {
    return false;
  }
}

function pickDeploy(d: Deploy): Spike['deploy'] {
  return { id: d.id, service: d.service, version: d.version, environment: d.environment, started_at: d.started_at, finished_at: d.finished_at, link: d.link };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Stable spike id from what identifies it: kind, series and start. */
export function spikeId(kind: string, dimension: string, value: string, start: string): string {
  return `spk_${createHash('sha256').update(`${kind}\u0000${dimension}\u0000${value}\u0000${start}`).digest('hex').slice(0, 20)}`;
}
