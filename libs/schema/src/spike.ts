import type { Deploy } from './deploy';

/**
 * The kinds of spike denytrace names (DESIGN.md "Spikes"):
 * - `region_block`: one country's requests are refused, spread over many sources (usually one WAF or geo rule);
 * - `post_rollout_write_denial`: after a deploy of a service, its writes' deny ratio rises while reads stay flat;
 * - `source_network_block`: one source network (CIDR, or organization from the user's network table);
 * - `new_rule`: a rule quiet in the baseline starts refusing.
 */
export type SpikeKind = 'region_block' | 'post_rollout_write_denial' | 'source_network_block' | 'new_rule';
export const SPIKE_KINDS: readonly SpikeKind[] = ['region_block', 'post_rollout_write_denial', 'source_network_block', 'new_rule'];

/** Requests and 403s per minute, and their ratio (the deny ratio), over a baseline or an observed window. */
export interface SpikeRates {
  denied_per_min: number;
  requests_per_min: number;
  /** 403s over requests, 0..1. */
  deny_ratio: number;
}

/** The deploy a post-rollout spike follows. */
export type SpikeDeploy = Pick<Deploy, 'id' | 'service' | 'version' | 'environment' | 'started_at' | 'finished_at' | 'link'>;

/** One other dimension value that lit up with the same refused requests and was rolled into this spike. */
export interface SpikeAlsoMatched {
  dimension: string;
  value: string;
  /** Requests tested: `*` all, `write` or `read` methods only. */
  scope: '*' | 'read' | 'write';
  /** Share of this spike's 403s that carry this value, 0..1. */
  share: number;
}

/**
 * A spike: 403s (or the deny ratio) along one dimension well above their baseline, with enough
 * volume to matter. Times ISO-8601 UTC. Stored, served by `GET /v1/spikes` and sent to webhooks.
 */
export interface Spike {
  /** Stable id (`spk_…`), also the base of each webhook's dedup key. */
  id: string;
  kind: SpikeKind;
  /** ECS field the spike is explained by: `source.geo.country_iso_code`, `source.ip` (value a CIDR), `service.name`, `rule.id`. */
  dimension: string;
  value: string;
  /** Time of the first 403 of the spike. */
  start: string;
  /** Time of the last 403 of the spike once resolved; null while firing. */
  end: string | null;
  status: 'firing' | 'resolved';
  /** When detection first fired on it (in a replay: the simulated time). */
  detected_at: string;
  /** The baseline of the explaining dimension value (the preceding hours). */
  baseline: SpikeRates;
  /** The window detection last found significant. */
  observed: SpikeRates;
  /** Observed deny ratio over the baseline deny ratio (capped at 1000). */
  magnitude: number;
  /** One-sided p-value of the test that fired (binomial on the deny ratio, Poisson on counts). */
  p_value: number;
  /** 403s in the spike so far (distinct refused requests). */
  denied: number;
  /** Distinct client addresses among them. */
  sources: number;
  top_emitter: { layer: string; component: string; rule_id: string | null; share: number };
  /** Up to 5 trace ids of refused requests in the spike. */
  sample_trace_ids: string[];
  deploy?: SpikeDeploy;
  service?: string;
  role?: string;
  route?: string;
  method_class?: 'read' | 'write';
  /**
   * The series detection tracks for this spike (elevated or back to baseline) and the baseline it was
   * held to at detection: a deny ratio (`ratio`) or 403s per minute (`count`). For a network spike
   * this is the counted network (table network or /24, /48), `value` the narrower CIDR.
   */
  series: { dimension: string; value: string; scope: '*' | 'read' | 'write'; test: 'ratio' | 'count'; expected: number };
  /** Last time the series was still above its baseline; resolution comes a few minutes after it. */
  last_elevated_at: string;
  /** Other dimension values explained by this spike (one incident is one page). */
  also_matched: SpikeAlsoMatched[];
  /** One line for humans. */
  summary: string;
  updated_at: string;
}
