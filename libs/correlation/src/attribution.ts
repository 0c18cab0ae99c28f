import { HOP, REFUSAL_STATUSES, confidenceLabel, type DenyEvent, type Layer, type Verdict, type VerdictEvent } from '@denytrace/schema';
import { explain } from './explain';
import type { CorrelationOptions, CoverageView, NetworkInfo } from './options';

/** One event of a trace with its time (epoch ms) and how it joined. */
export interface TraceMember {
  e: DenyEvent;
  t: number;
  joinedBy: 'id' | 'match' | 'root';
}

export interface DecideContext {
  coverage: CoverageView;
  untrusted: ReadonlyMap<string, string>;
  network?: (ip: string) => NetworkInfo | undefined;
  /** Epoch ms used for `provisional`. */
  now: number;
  opts: CorrelationOptions;
}

const LAYER_ORDER: Layer[] = ['waf', 'cdn', 'gateway', 'app'];

/**
 * The verdict for one trace, or undefined when nothing in it refused (no deny decision and no
 * refusal status).
 *
 * Emitting layer (DESIGN.md "Correlation and attribution"): the outermost layer that itself refused —
 * the lowest-hop event whose decision is `deny` (an explicit block/deny, or a refusal status a proxy
 * returned without forwarding). A layer that only passed an inner refusal through is never the emitter.
 * When no event says `deny`, the deepest event showing the refusal is the best candidate: if it
 * could not tell (CloudFront `Error`, nginx without `$upstream_status`) and deeper layers were
 * ingested but logged nothing, that layer refused itself; otherwise the refusal came from a layer
 * that was not ingested, which the verdict names in `missing_layers`.
 *
 * Attached components (`refused_by`): when the refusing component belongs to another layer (an
 * ALB's web ACL) that layer and component are the emitter. When it belongs to the same layer (Envoy's
 * ext_authz asking OPA), the layer that answered stays the emitter and the authorizer's own deny
 * record in the trace (see `AUTHORIZERS`) gives the decisive rule; without that record the authorizer
 * is named in `missing_layers`.
 *
 * Confidence, 0..1: 0.95 for an explicit refusal joined by ids; ×0.9 when a join was by match;
 * 0.75 when inferred with every deeper layer ingested; 0.45 when inferred with a deeper layer missing;
 * 0.3 when the refusal came from beyond every logged layer; −0.2 when an outer layer's status
 * contradicts the refusal or hosts' clocks disagree by more than `skewFlagMs`.
 */
export function decide(members: TraceMember[], ctx: DecideContext): Verdict | undefined {
  const ms = [...members].sort((a, b) => a.e.denytrace.hop - b.e.denytrace.hop || datasetRank(a.e) - datasetRank(b.e) || a.t - b.t);
  const refusing = ms.some((m) => m.e.denytrace.decision === 'deny' || isRefusal(m.e.http?.response?.status_code));
  if (!refusing) return undefined;

  const flags: string[] = [];
  const missing: string[] = [];
  let confidence: number;
  let emitterMember: TraceMember | undefined;
  let emittingLayer: Layer | null = null;
  let emitterComponent: string | undefined;
  let rule: Verdict['decisive_rule'] = null;
  let authorizer: DenyEvent | undefined;

  const denies = ms.filter((m) => m.e.denytrace.decision === 'deny');
  if (denies.length > 0) {
    const hop = denies[0].e.denytrace.hop;
    const atHop = denies.filter((m) => m.e.denytrace.hop === hop);
    // A layer that answered for an authorizer attached to it (Envoy's ext_authz asking OPA) stays the
    // emitter; the authorizer's own record, when ingested, names the decisive rule.
    const answering = atHop.find((m) => m.e.denytrace.refused_by?.layer === m.e.denytrace.layer);
    emitterMember = answering ?? atHop.find((m) => m.e.rule?.id) ?? atHop[0];
    const ev = emitterMember.e;
    const by0 = ev.denytrace.refused_by;
    authorizer = by0 ? denies.find((m) => m.e !== ev && isAttached(by0, m.e))?.e : undefined;
    const ruleEvent = authorizer?.rule?.id ? authorizer : atHop.find((m) => m.e.rule?.id)?.e;
    rule = ruleEvent?.rule?.id
      ? { id: ruleEvent.rule.id, name: ruleEvent.rule.name ?? null, ruleset: ruleEvent.rule.ruleset ?? null, type: ruleEvent.denytrace.rule_type ?? null }
      : null;
    emittingLayer = ev.denytrace.layer;
    emitterComponent = ev.denytrace.component;
    confidence = 0.95;
    const by = ev.denytrace.refused_by;
    if (by && by.layer === ev.denytrace.layer) {
      // Same layer: the answering component is the emitter; without the authorizer's log the rule is unknown.
      if (!authorizer) {
        missing.push(`${by.component} (authorizer of ${ev.denytrace.component})`);
        confidence = 0.8;
      }
    } else if (by) {
      emittingLayer = by.layer;
      emitterComponent = by.component;
      if (!ms.some((m) => m.e.denytrace.component === by.component)) missing.push(by.component);
      confidence = 0.8;
    }
    if (denies.some((m) => m.e.denytrace.hop > hop && m.e !== authorizer && m.e.denytrace.component !== ev.denytrace.component)) flags.push('deny_behind_emitter');
    for (const m of ms) {
      if (m.e.denytrace.hop >= hop) break;
      const s = m.e.http?.response?.status_code;
      if (s !== undefined && s < 400) {
        flags.push(`outer_status:${m.e.denytrace.component}=${s}`);
        confidence -= 0.2;
      }
    }
  } else {
    const shown = ms.filter((m) => isRefusal(m.e.http?.response?.status_code) || isRefusal(m.e.denytrace.upstream_status ?? undefined));
    const deepest = shown[shown.length - 1];
    const d = deepest.e;
    const forwarded = d.denytrace.decision === 'pass' && isRefusal(d.denytrace.upstream_status ?? undefined);
    if (!forwarded) {
      emitterMember = deepest;
      emittingLayer = d.denytrace.layer;
      emitterComponent = d.denytrace.component;
      if (d.denytrace.layer === 'cdn') {
        ({ emittingLayer, emitterComponent, confidence } = cdnUnknown(d, deepest.t, ctx, missing, flags));
        if (!emitterComponent) emitterMember = undefined;
      } else if (d.denytrace.layer === 'app') {
        // The innermost layer answered with a refusal status itself (e.g. a failed login after its
        // authorization check allowed the call): nothing stands behind it to pass one through.
        confidence = d.denytrace.decision === 'pass' ? 0.85 : 0.75;
        if (d.denytrace.decision === 'pass') flags.push('answered_after_allow');
      } else if (ctx.coverage.hasDeeperThan(d.denytrace.hop, deepest.t)) confidence = 0.75;
      else {
        confidence = 0.45;
        missing.push(...deeperLayers(d.denytrace.layer).map((l) => `${l} (behind ${d.denytrace.component})`));
      }
    } else {
      const guess = deeperLayers(d.denytrace.layer)[0] ?? d.denytrace.layer;
      emittingLayer = guess;
      emitterComponent = undefined;
      confidence = 0.3;
      missing.push(`${guess} (behind ${d.denytrace.component})`);
      if (ctx.coverage.hasDeeperThan(d.denytrace.hop, deepest.t)) flags.push('deeper_layer_logged_nothing');
    }
  }

  if (ms.some((m) => m.joinedBy === 'match')) confidence *= 0.9;
  const skew = maxSkew(ms);
  if (skew > ctx.opts.skewFlagMs) {
    flags.push(`clock_skew:${Math.round(skew / 1000)}s`);
    confidence -= 0.2;
  }
  const ids = unique(ms.flatMap((m) => m.e.denytrace.correlation_ids));
  for (const id of ids) {
    const why = ctx.untrusted.get(id);
    if (why) flags.push(`untrusted_id:${id}:${why}`);
  }
  confidence = Math.max(0.05, Math.min(1, Math.round(confidence * 100) / 100));

  const outer = ms[0].e;
  const status = ms.map((m) => m.e.http?.response?.status_code).find((s) => s !== undefined) ?? null;
  const clientEvent = ms.find((m) => m.e.source?.ip && m.e.observer.type !== 'load-balancer') ?? ms.find((m) => m.e.source?.ip);
  const ip = clientEvent?.e.source?.ip ?? null;
  const net = ip && ctx.network ? ctx.network(ip) : undefined;
  const geoEvent = ms.find((m) => m.e.source?.geo?.country_iso_code);
  const reqEvent = ms.find((m) => m.e.http?.request?.method && m.e.url?.path) ?? ms[0];
  const appEvent = ms.find((m) => m.e.user?.id || m.e.service?.name);
  const times = ms.map((m) => m.t);
  const lastT = Math.max(...times);

  const verdictEvents: VerdictEvent[] = ms.map((m) => toVerdictEvent(m));
  const emitter = emitterComponent
    ? {
        event: { dataset: emitterMember && emitterMember.e.denytrace.component === emitterComponent ? emitterMember.e.event.dataset : datasetOf(emitterComponent) },
        component: emitterComponent,
        observer: emitterMember && emitterMember.e.denytrace.component === emitterComponent ? { ...emitterMember.e.observer } : observerOf(emitterComponent),
      }
    : null;
  const verdict: Verdict = {
    trace_id: outer.event.id,
    correlation_ids: ids,
    status,
    emitting_layer: emittingLayer,
    emitter,
    decisive_rule: rule,
    confidence,
    confidence_label: confidenceLabel(confidence),
    missing_layers: unique(missing),
    join: ms.length === 1 ? 'single' : ms.some((m) => m.joinedBy === 'match') ? 'match' : 'id',
    explanation: [],
    flags,
    request: {
      method: reqEvent.e.http?.request?.method ?? null,
      domain: ms.find((m) => m.e.url?.domain)?.e.url?.domain ?? null,
      path: reqEvent.e.url?.path ?? null,
      query: reqEvent.e.url?.query ?? null,
    },
    client: {
      ip,
      country: geoEvent?.e.source?.geo?.country_iso_code ?? net?.country ?? null,
      region: ms.find((m) => m.e.source?.geo?.region_iso_code)?.e.source?.geo?.region_iso_code ?? net?.region ?? null,
      network: net?.network ?? null,
      organization: net?.organization ?? ms.find((m) => m.e.source?.as?.organization?.name)?.e.source?.as?.organization?.name ?? null,
    },
    user: {
      id: appEvent?.e.user?.id ?? null,
      roles: appEvent?.e.user?.roles ?? [],
      tenant: ms.find((m) => m.e.organization?.id)?.e.organization?.id ?? null,
    },
    service: { name: appEvent?.e.service?.name ?? null, version: appEvent?.e.service?.version ?? null },
    first_seen: new Date(Math.min(...times)).toISOString(),
    last_seen: new Date(lastT).toISOString(),
    provisional: ctx.now - lastT < ctx.opts.settleMs,
    events: verdictEvents,
  };
  verdict.explanation = explain(verdict);
  return verdict;
}

/**
 * Components that answer for a `refused_by` name a layer's log uses: Envoy's ext_authz filter logs
 * `ext_authz_denied`/`UAEX` without naming the authorization server; OPA (opa-envoy-plugin) is one.
 */
const AUTHORIZERS: Readonly<Record<string, readonly string[]>> = { 'ext-authz': ['opa'] };

/** True when `e` is the record of the component `by` names (itself, or an authorizer answering for it). */
function isAttached(by: { layer: Layer; component: string }, e: DenyEvent): boolean {
  if (e.denytrace.layer !== by.layer) return false;
  return e.denytrace.component === by.component || (AUTHORIZERS[by.component]?.includes(e.denytrace.component) ?? false);
}

/** The web ACL attached to a CDN, by CDN component (its log is a separate source). */
const EDGE_WAF: Readonly<Record<string, string>> = { cloudfront: 'aws-waf' };

/**
 * A CDN that logged a refusal status without saying it refused (CloudFront `Error`): the CDN itself
 * generates its refusals under their own result types (`ClientGeoBlocked` …), so this status came
 * from its attached web ACL or from the origin. Which one, the other logs tell:
 * - the web ACL's log is ingested (and showed no block) → the origin; if the origin's layers are
 *   ingested too and logged nothing, the CDN itself after all (flagged);
 * - the web ACL's log is missing but the origin's layers are ingested and logged nothing → the web ACL;
 * - neither → nobody can be named.
 * DESIGN.md: "A layer that passed an inner 403 through logs 403 too … The emitter is the layer that
 * refused without forwarding".
 */
function cdnUnknown(d: DenyEvent, t: number, ctx: DecideContext, missing: string[], flags: string[]): { emittingLayer: Layer | null; emitterComponent: string | undefined; confidence: number } {
  const waf = EDGE_WAF[d.denytrace.component] ?? 'edge waf';
  const wafLogged = ctx.coverage.hasShallowerThan(d.denytrace.hop, t);
  // Only the layer right behind the CDN (a load balancer or proxy, not the app further in) proves by
  // its silence that the request never reached the origin.
  const next = ctx.coverage.nearestDeeperHop(d.denytrace.hop, t);
  const originLogged = next !== undefined && next < HOP.app;
  if (wafLogged && originLogged) {
    flags.push('cdn_error_unexplained');
    return { emittingLayer: d.denytrace.layer, emitterComponent: d.denytrace.component, confidence: 0.4 };
  }
  if (originLogged) {
    missing.push(waf);
    return { emittingLayer: 'waf', emitterComponent: waf, confidence: 0.6 };
  }
  if (!wafLogged) missing.push(waf);
  missing.push(`origin (behind ${d.denytrace.component})`);
  return { emittingLayer: null, emitterComponent: undefined, confidence: 0.2 };
}

function isRefusal(s: number | undefined | null): boolean {
  return s !== undefined && s !== null && REFUSAL_STATUSES.has(s);
}

/** Within one hop, access records before error-log evidence. */
function datasetRank(e: DenyEvent): number {
  return e.event.dataset.endsWith('.error') ? 1 : 0;
}

function deeperLayers(layer: Layer): Layer[] {
  const i = LAYER_ORDER.indexOf(layer);
  return LAYER_ORDER.slice(i + 1).filter((l) => l !== 'waf' && l !== 'cdn');
}

function maxSkew(ms: TraceMember[]): number {
  // Largest time difference between any two events from different sources.
  let min = Infinity;
  let max = -Infinity;
  const ds = new Set<string>();
  for (const m of ms) {
    ds.add(m.e.event.dataset);
    if (m.t < min) min = m.t;
    if (m.t > max) max = m.t;
  }
  return ds.size > 1 ? max - min : 0;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

const KNOWN: Record<string, { dataset: string; observer: { type: string; vendor: string; product: string } }> = {
  'aws-waf': { dataset: 'aws.waf', observer: { type: 'waf', vendor: 'AWS', product: 'WAF' } },
  cloudfront: { dataset: 'aws.cloudfront', observer: { type: 'cdn', vendor: 'AWS', product: 'CloudFront' } },
};

function datasetOf(component: string): string {
  return KNOWN[component]?.dataset ?? component;
}

function observerOf(component: string): { type: string; vendor: string; product: string } {
  return KNOWN[component]?.observer ?? { type: 'unknown', vendor: 'unknown', product: component };
}

function toVerdictEvent(m: TraceMember): VerdictEvent {
  const e = m.e;
  return {
    id: e.event.id,
    '@timestamp': e['@timestamp'],
    dataset: e.event.dataset,
    component: e.denytrace.component,
    layer: e.denytrace.layer,
    hop: e.denytrace.hop,
    status: e.http?.response?.status_code ?? null,
    decision: e.denytrace.decision,
    action: e.event.action ?? null,
    upstream_status: e.denytrace.upstream_status ?? null,
    rule: e.rule?.id ? { id: e.rule.id, name: e.rule.name ?? null, ruleset: e.rule.ruleset ?? null } : null,
    joined_by: m.joinedBy,
    evidence: e.denytrace.evidence ?? null,
    original: e.event.original ?? null,
  };
}
