import { defaultNetworkOf } from '@denytrace/network';
import type { Deploy, SpikeKind } from '@denytrace/schema';
import { hasVolume, latestDeploy, testRatio, type Candidate } from './candidates';
import { narrowCidr } from './cidr';
import { binomialUpperTail } from './stats';
import type { Denial } from './denial';
import { keyOf, RULE_DIMENSION } from './keys';
import type { DetectionOptions } from './options';
import type { DetectionData } from './series';

/** A group of significant series that share their 403s: one incident. */
export interface Cluster {
  members: Candidate[];
  /** Indices of the 403s of all members. */
  denialIdx: Set<number>;
}

/** What a cluster is, once explained: its kind, the series that explains it, and the value to report. */
export interface Explained {
  kind: SpikeKind;
  /** The series tracked for this spike (elevated / resolved), e.g. `service.name=billing-api, write`. */
  explainKey: string;
  dimension: string;
  /** Reported value: for networks the narrowest CIDR holding the refused addresses. */
  value: string;
  deploy?: Deploy;
}

/**
 * Groups candidates that share 403s, largest first: a candidate joins the first cluster holding at
 * least half of its 403s, else starts one. One incident lights a country, a network, a route and a
 * rule at once; it must be one page.
 */
export function clusterCandidates(cands: readonly Candidate[]): Cluster[] {
  const clusters: Cluster[] = [];
  for (const c of cands) {
    const home = clusters.find((cl) => overlap(c.denialIdx, cl.denialIdx) * 2 >= c.denialIdx.length);
    if (home) {
      home.members.push(c);
      for (const i of c.denialIdx) home.denialIdx.add(i);
    } else {
      clusters.push({ members: [c], denialIdx: new Set(c.denialIdx) });
    }
  }
  return clusters;
}

function overlap(a: readonly number[], b: ReadonlySet<number>): number {
  let n = 0;
  for (const i of a) if (b.has(i)) n += 1;
  return n;
}

/** The most common value of `f` over the denials, with its share of those that have one. */
export function dominant(denials: readonly Denial[], f: (d: Denial) => string | null | undefined): { value: string; share: number; count: number } | undefined {
  const counts = new Map<string, number>();
  let withValue = 0;
  for (const d of denials) {
    const v = f(d);
    if (!v) continue;
    withValue += 1;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const e of counts) if (!best || e[1] > best[1] || (e[1] === best[1] && e[0] < best[0])) best = e;
  return best ? { value: best[0], share: best[1] / withValue, count: best[1] } : undefined;
}

/** Distinct non-null values of `f`. */
export function distinct(denials: readonly Denial[], f: (d: Denial) => string | null | undefined): Set<string> {
  const s = new Set<string>();
  for (const d of denials) {
    const v = f(d);
    if (v) s.add(v);
  }
  return s;
}

const networkOfDenial = (d: Denial): string | undefined => {
  const k = d.keys.find((x) => x.startsWith('source.ip\u0001') && !x.startsWith('source.ip\u0001*'));
  return k ? k.split('\u0001')[1] : d.ip ? defaultNetworkOf(d.ip) : undefined;
};
const countryOfDenial = (d: Denial): string | undefined => {
  const k = d.keys.find((x) => x.startsWith('source.geo.country_iso_code\u0001') && !x.startsWith('source.geo.country_iso_code\u0001*'));
  return k?.split('\u0001')[1];
};

/**
 * Explains a cluster by the dimension that accounts for it best (DESIGN.md "Spikes"), in order:
 * 1. `post_rollout_write_denial`: its 403s are one service's writes (≥ explainShare), that service
 *    had a deploy start within `deployWatchMs` before, and the service's reads are not elevated;
 * 2. one client address holds ≥ singleSourceShare of the 403s and the rules refusing it are managed
 *    signatures or rate limits (or a WAF's rules of unknown type): a bot or scanner the WAF keeps
 *    stopping — no spike (undefined). A policy (allow-list, geo, RBAC) refusing one source can page;
 * 3. `source_network_block`: one network holds ≥ explainShare of the excess 403s by network
 *    ({@link dominantExcess}); reported as the user's table network, else narrowed to the CIDR
 *    holding the refused addresses;
 * 4. `region_block`: one country holds ≥ explainShare of the excess 403s by country, no network does;
 * 5. `new_rule`: a rule quiet in its baseline (a significant count candidate) holds ≥ half;
 * otherwise undefined (significant, but no kind explains it: not a page).
 */
export function explainCluster(cl: Cluster, data: DetectionData, t: number, deploys: readonly Deploy[], o: DetectionOptions, dataStart: number): Explained | undefined {
  const ds = [...cl.denialIdx].map((i) => data.denials[i]!);
  const writes = dominant(ds, (d) => (d.method_class === 'write' ? d.service : null));
  const writeShare = writes ? writes.count / ds.length : 0;
  if (writes && writeShare >= o.explainShare) {
    const deploy = latestDeploy(deploys, writes.value, t, o.deployWatchMs);
    if (deploy && !readsElevated(data, writes.value, t, o, dataStart)) {
      return { kind: 'post_rollout_write_denial', explainKey: keyOf('service.name', writes.value, 'write'), dimension: 'service.name', value: writes.value, deploy };
    }
  }
  const ips = dominant(ds, (d) => d.ip);
  const rule = dominant(ds, (d) => d.rule_type ?? (d.rule_id && d.layer !== 'waf' ? 'policy' : 'unknown'));
  if (ips && ips.share >= o.singleSourceShare && rule && /managed|rate|unknown/i.test(rule.value)) return undefined;
  const w = Math.max(...cl.members.map((m) => m.windowMs));
  // A network is judged against its whole country, not just this cluster: when the country's other
  // networks are being refused too, this is a region-wide block seen first in one network.
  const home = dominant(ds, countryOfDenial);
  if (home && home.share >= o.explainShare) {
    const countryKey = keyOf('source.geo.country_iso_code', home.value, '*');
    const countryDs = data.denialsIn(countryKey, t - w, t).map((i) => data.denials[i]!);
    const spread = dominantExcess(data, countryDs, 'source.ip', networkOfDenial, t, w, o, dataStart);
    const countryUp = dominantExcess(data, countryDs, 'source.geo.country_iso_code', countryOfDenial, t, w, o, dataStart);
    if (countryUp && spread && spread.share < o.explainShare) {
      return { kind: 'region_block', explainKey: countryKey, dimension: 'source.geo.country_iso_code', value: home.value };
    }
  }
  const net = dominantExcess(data, ds, 'source.ip', networkOfDenial, t, w, o, dataStart);
  if (net && net.share >= o.explainShare) {
    const inNet = ds.filter((d) => networkOfDenial(d) === net.value);
    const value = inNet.some((d) => d.table_network) ? net.value : narrowCidr(net.value, [...distinct(inNet, (d) => d.ip)]);
    return { kind: 'source_network_block', explainKey: keyOf('source.ip', net.value, '*'), dimension: 'source.ip', value };
  }
  const country = dominantExcess(data, ds, 'source.geo.country_iso_code', countryOfDenial, t, w, o, dataStart);
  if (country && country.share >= o.explainShare) {
    return { kind: 'region_block', explainKey: keyOf('source.geo.country_iso_code', country.value, '*'), dimension: 'source.geo.country_iso_code', value: country.value };
  }
  const rules = cl.members.filter((m) => m.dimension === RULE_DIMENSION && m.test === 'count');
  for (const r of rules) {
    if (overlap(r.denialIdx, cl.denialIdx) * 2 >= cl.denialIdx.size) {
      return { kind: 'new_rule', explainKey: r.key, dimension: RULE_DIMENSION, value: r.value };
    }
  }
  return undefined;
}

/**
 * The value of `dimension` that holds the largest share of the cluster's excess 403s: for each value
 * among its 403s, the cluster's 403s with that value minus what the value's baseline ratio predicts
 * for its requests in [t − w, t), counted only when that many 403s are unlikely for the value
 * (binomial p < `elevatedAlpha`). "Accounts for it best" means most of the rise, not most of the
 * 403s: a country's usual 403s from other networks do not hide that one network is the change.
 */
function dominantExcess(
  data: DetectionData, ds: readonly Denial[], dimension: string, valueOf: (d: Denial) => string | undefined,
  t: number, w: number, o: DetectionOptions, dataStart: number,
): { value: string; share: number } | undefined {
  let total = 0;
  let best: { value: string; excess: number } | undefined;
  const counts = new Map<string, number>();
  for (const d of ds) {
    const v = valueOf(d);
    if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  for (const [v, k] of counts) {
    const r = testRatio(data, keyOf(dimension, v, '*'), t, w, o, dataStart);
    // Only a value whose own 403s are unlikely under its baseline adds to the excess: hundreds of
    // networks with their usual one or two 403s each must not add up to hide the one that changed.
    const excess = r && binomialUpperTail(Math.max(k, r.requests), k, r.expected) < o.elevatedAlpha ? Math.max(0, k - r.requests * r.expected) : 0;
    total += excess;
    if (!best || excess > best.excess || (excess === best.excess && v < best.value)) best = { value: v, excess };
  }
  return best && total > 0 ? { value: best.value, share: best.excess / total } : undefined;
}

/** Whether a service's reads are elevated at t in any window (the "reads pass" half of a post-rollout spike). */
function readsElevated(data: DetectionData, service: string, t: number, o: DetectionOptions, dataStart: number): boolean {
  const key = keyOf('service.name', service, 'read');
  return o.windowsMs.some((w) => {
    const r = testRatio(data, key, t, w, o, dataStart);
    return !!r && hasVolume(r, o) && r.p < o.elevatedAlpha;
  });
}
