import type { Deploy } from '@denytrace/schema';
import { keyOf, parseKey, RATIO_DIMENSIONS, RULE_DIMENSION, type Scope } from './keys';
import type { DetectionOptions } from './options';
import type { DetectionData } from './series';
import { binomialUpperTail, poissonUpperTail } from './stats';

/** One series found significant at one tick. Rates are per window; times epoch ms. */
export interface Candidate {
  key: string;
  dimension: string;
  value: string;
  scope: Scope;
  /** `ratio`: binomial test of the deny ratio; `count`: Poisson test of the 403 count (rules). */
  test: 'ratio' | 'count';
  windowMs: number;
  /** 403s and requests in the window. */
  denied: number;
  requests: number;
  /** Baseline 403s, requests and length (ms). */
  baseDenied: number;
  baseRequests: number;
  baseMs: number;
  /** The baseline deny ratio the test used (pulled toward the dimension's overall ratio), or the baseline 403s per window for counts. */
  expected: number;
  p: number;
  /** The threshold it passed. */
  alpha: number;
  /** Indices of the window's denials in `DetectionData.denials`. */
  denialIdx: number[];
  /** The deploy whose watch lowered the threshold, if any. */
  deploy?: Deploy;
}

/** The result of testing one series over one window: the numbers, whether or not it is significant. */
export type TestResult = Omit<Candidate, 'alpha' | 'denialIdx' | 'deploy'>;

/** The baseline before window [t − w, t): [start, end) epoch ms, undefined when shorter than `minBaselineMs`. */
function baselineRange(t: number, w: number, o: DetectionOptions, dataStart: number): [number, number] | undefined {
  const end = t - w;
  const start = Math.max(dataStart, end - o.baselineMs);
  return end - start < o.minBaselineMs ? undefined : [start, end];
}

/**
 * Tests one ratio series at tick `t` over window `w`: 403s among requests against the baseline
 * [t − w − baseline, t − w). Baseline ratio = (d0 + 0.5 + M·g) / (n0 + 1 + M), M = priorRequests
 * and g the dimension's overall ratio in the same baseline, so a value never seen before is held
 * to the dimension's usual ratio rather than to zero. Undefined when the baseline is too short.
 */
export function testRatio(data: DetectionData, key: string, t: number, w: number, o: DetectionOptions, dataStart: number): TestResult | undefined {
  const { dimension, value, scope } = parseKey(key);
  const range = baselineRange(t, w, o, dataStart);
  if (!range) return undefined;
  const [baseStart, baseEnd] = range;
  const denied = data.deniedCount(key, t - w, t);
  const requests = Math.max(denied, data.requests(key, t - w, t));
  const d0 = data.deniedCount(key, baseStart, baseEnd);
  const n0 = Math.max(d0, data.requests(key, baseStart, baseEnd));
  const all = keyOf(dimension, '*', scope);
  const gd = data.deniedCount(all, baseStart, baseEnd);
  const gn = Math.max(gd, data.requests(all, baseStart, baseEnd));
  const g = gn > 0 ? gd / gn : 0.01;
  const expected = (d0 + 0.5 + o.priorRequests * g) / (n0 + 1 + o.priorRequests);
  const p = binomialUpperTail(requests, denied, expected);
  return { key, dimension, value, scope, test: 'ratio', windowMs: w, denied, requests, baseDenied: d0, baseRequests: n0, baseMs: baseEnd - baseStart, expected, p };
}

/** Tests a rule's 403 count at tick `t` over window `w` against its baseline rate (Poisson, +0.5 prior count). */
export function testCount(data: DetectionData, key: string, t: number, w: number, o: DetectionOptions, dataStart: number): TestResult | undefined {
  const { dimension, value, scope } = parseKey(key);
  const range = baselineRange(t, w, o, dataStart);
  if (!range) return undefined;
  const [baseStart, baseEnd] = range;
  const denied = data.deniedCount(key, t - w, t);
  const d0 = data.deniedCount(key, baseStart, baseEnd);
  const expected = ((d0 + 0.5) / (baseEnd - baseStart)) * w;
  const p = poissonUpperTail(expected, denied);
  return { key, dimension, value, scope, test: 'count', windowMs: w, denied, requests: denied, baseDenied: d0, baseRequests: 0, baseMs: baseEnd - baseStart, expected, p };
}

/** Whether a test result is big enough to matter, apart from its p-value. */
export function hasVolume(r: TestResult, o: DetectionOptions): boolean {
  if (r.denied < o.minDenied) return false;
  if (r.test === 'count') return r.denied - r.expected >= o.minExcess && (r.baseDenied / r.baseMs) * 3600_000 <= o.quietPerHour;
  return r.denied - r.requests * r.expected >= o.minExcess && r.denied / r.requests >= o.minRatio * r.expected;
}

/** Keys tested at all: ratio dimensions in their scopes, and rules. */
function testable(key: string): boolean {
  const { dimension, value, scope } = parseKey(key);
  if (value === '*') return false;
  if (dimension === RULE_DIMENSION) return true;
  const spec = RATIO_DIMENSIONS.find((d) => d.dimension === dimension);
  return !!spec && spec.scopes.includes(scope) && !(dimension === 'service.name' && scope === 'read');
}

/**
 * Every series significant at tick `t` (epoch ms): for each key with at least `minDenied` 403s in
 * the longest window, each window is tested and the one with the smallest p-value kept; it must
 * pass {@link hasVolume} and `alpha` (or `deployAlpha` for the writes of a service whose deploy
 * started within `deployWatchMs` before t).
 */
export function findCandidates(data: DetectionData, t: number, deploys: readonly Deploy[], o: DetectionOptions, dataStart: number): Candidate[] {
  const longest = Math.max(...o.windowsMs);
  const counts = new Map<string, number>();
  for (let i = data.firstDenialAt(t - longest); i < data.denials.length && data.denials[i]!.ms < t; i++) {
    for (const k of data.denials[i]!.keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const out: Candidate[] = [];
  for (const [key, n] of counts) {
    if (n < o.minDenied || !testable(key)) continue;
    const { dimension, value, scope } = parseKey(key);
    const deploy = dimension === 'service.name' && scope === 'write'
      ? latestDeploy(deploys, value, t, o.deployWatchMs)
      : undefined;
    const alpha = deploy ? o.deployAlpha : o.alpha;
    let best: TestResult | undefined;
    for (const w of o.windowsMs) {
      const r = dimension === RULE_DIMENSION ? testCount(data, key, t, w, o, dataStart) : testRatio(data, key, t, w, o, dataStart);
      if (r && hasVolume(r, o) && r.p < alpha && (!best || r.p < best.p)) best = r;
    }
    if (best) out.push({ ...best, alpha, denialIdx: data.denialsIn(key, t - best.windowMs, t), ...(deploy ? { deploy } : {}) });
  }
  return out.sort((a, b) => b.denied - a.denied || a.p - b.p || (a.key < b.key ? -1 : 1));
}

/** The latest deploy of `service` that started in (t − watch, t]. */
export function latestDeploy(deploys: readonly Deploy[], service: string, t: number, watchMs: number): Deploy | undefined {
  let best: Deploy | undefined;
  for (const d of deploys) {
    if (d.service !== service) continue;
    const s = Date.parse(d.started_at);
    if (s <= t && s > t - watchMs && (!best || s > Date.parse(best.started_at))) best = d;
  }
  return best;
}
