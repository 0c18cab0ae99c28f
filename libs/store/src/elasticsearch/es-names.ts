/**
 * Names of everything the Elasticsearch store creates for one namespace (one deployment). Events
 * follow the data stream naming scheme `<type>-<dataset>-<namespace>`
 * (https://www.elastic.co/guide/en/ecs/current/ecs-data_stream.html): `logs-denytrace.events-<ns>`.
 * Verdicts and counters live in one index per calendar month of their time (first_seen, minute),
 * named `…-YYYY.MM.01` so ILM reads the index's origination date from the name
 * (`index.lifecycle.parse_origination_date`); windows, quarantine and file state are single
 * indices. Spike detection and alerts (es-detection.ts): dimension counters and the webhook
 * delivery log in monthly indices like the counters (bucket month, delivery month); deploys,
 * spikes, webhooks and notification claims in single indices.
 */
export interface EsNames {
  namespace: string;
  /** The events data stream. */
  events: string;
  /** Prefix of the monthly verdict indices; search them with {@link EsNames.tracesPattern}. */
  tracesPrefix: string;
  tracesPattern: string;
  countersPrefix: string;
  countersPattern: string;
  windows: string;
  quarantine: string;
  files: string;
  /** Monthly dimension counter indices (month of the bucket). */
  dimensionsPrefix: string;
  dimensionsPattern: string;
  /** Monthly webhook delivery log indices (month of the attempt). */
  deliveriesPrefix: string;
  deliveriesPattern: string;
  deploys: string;
  spikes: string;
  webhooks: string;
  /** Notification claims: one document per (spike, webhook). */
  notifications: string;
  /** ILM policies: raw events, and verdicts with their counters (kept longer). */
  eventsPolicy: string;
  verdictsPolicy: string;
}

/** Namespace rule of data streams: lower case, no `-` (it separates the name's parts), at most 100 bytes. */
export const NAMESPACE_PATTERN = /^[a-z0-9_]{1,100}$/;

/** The names for `namespace` (validated by the config; see {@link NAMESPACE_PATTERN}). */
export function esNames(namespace: string): EsNames {
  const p = `denytrace-${namespace}`;
  return {
    namespace,
    events: `logs-denytrace.events-${namespace}`,
    tracesPrefix: `${p}-verdicts-`,
    tracesPattern: `${p}-verdicts-*`,
    countersPrefix: `${p}-counters-`,
    countersPattern: `${p}-counters-*`,
    windows: `${p}-windows`,
    quarantine: `${p}-quarantine`,
    files: `${p}-files`,
    dimensionsPrefix: `${p}-dimensions-`,
    dimensionsPattern: `${p}-dimensions-*`,
    deliveriesPrefix: `${p}-deliveries-`,
    deliveriesPattern: `${p}-deliveries-*`,
    deploys: `${p}-deploys`,
    spikes: `${p}-spikes`,
    webhooks: `${p}-webhooks`,
    notifications: `${p}-notifications`,
    eventsPolicy: `${p}-events`,
    verdictsPolicy: `${p}-verdicts`,
  };
}

/** `YYYY.MM.01` of the UTC month holding epoch ms `ms`: the suffix of a monthly index. */
export function monthSuffix(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.01`;
}
