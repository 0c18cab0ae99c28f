/**
 * The spike and webhook-subscription shapes the alert library reads. Defined here while spike
 * detection lands; they move to `@denytrace/schema` when both are merged. Times are ISO-8601 UTC
 * strings; rates are per minute.
 */
export type SpikeKind = 'region_block' | 'post_rollout_write_denial' | 'source_network_block' | 'new_rule';

/** A deploy a post-rollout spike is tied to (`started_at`/`finished_at` ISO-8601 UTC). */
export interface SpikeDeploy { id: string; service: string; version: string; environment?: string; started_at: string; finished_at?: string | null; link?: string | null }

/** One spike of 403s along one dimension, as detection reports it. */
export interface Spike {
  id: string;                 // stable, also the dedup key base
  kind: SpikeKind;
  dimension: string;          // ECS field name: 'source.geo.country_iso_code' | 'source.ip' (a CIDR value) | 'service.name' | 'rule.id' | 'url.path' ...
  value: string;
  start: string;              // ISO-8601 UTC
  end: string | null;         // null while firing
  status: 'firing' | 'resolved';
  baseline: { denied_per_min: number; requests_per_min: number; deny_ratio: number };
  observed: { denied_per_min: number; requests_per_min: number; deny_ratio: number };
  magnitude: number;          // observed / baseline (rate), Infinity avoided: capped
  denied: number;             // 403s in the spike so far
  top_emitter: { layer: string; component: string; rule_id: string | null; share: number };
  sample_trace_ids: string[];
  deploy?: SpikeDeploy;
  service?: string; role?: string; route?: string; method_class?: 'read' | 'write';
  summary: string;            // one line for humans, built by detection
  updated_at: string;
}

/**
 * A webhook subscription. `secret` signs every request (`X-Denytrace-Signature`); for the
 * `pagerduty` format it is also the Events API v2 `routing_key` (the service's integration key).
 * `kinds` / `services`, when given, restrict which spikes reach it (`subscriptionMatches`).
 */
export interface WebhookSubscription { id: string; url: string; secret: string; format: 'generic' | 'slack' | 'pagerduty'; kinds?: SpikeKind[]; services?: string[]; created_at: string }

/** The two notifications a spike gives a subscription. */
export type NotificationEvent = 'firing' | 'resolved';

/**
 * Whether a spike concerns a subscription: its kind is in `kinds` and its service (`spike.service`,
 * else the deploy's service) is in `services`, each filter applying only when given and non-empty.
 * A spike without a service never matches a subscription restricted to services.
 */
export function subscriptionMatches(spike: Spike, sub: WebhookSubscription): boolean {
  if (sub.kinds?.length && !sub.kinds.includes(spike.kind)) return false;
  if (sub.services?.length) {
    const service = spike.service ?? spike.deploy?.service;
    if (service === undefined || !sub.services.includes(service)) return false;
  }
  return true;
}
