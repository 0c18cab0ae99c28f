import type { Layer } from './event';

/**
 * The verdict for one trace (a request followed across layers): who refused it and why.
 * This is the shape printed by `denytrace traces --json` (one per line) and served by the API.
 */
export interface Verdict {
  /** Stable id of the trace: the `event.id` of its earliest-hop event at the time of the decision. */
  trace_id: string;
  /** Every correlation id of every event in the trace (`kind:value`). */
  correlation_ids: string[];
  /** The status the client received: the outermost layer's status (a WAF block counts as its response code). */
  status: number | null;
  /** The outermost layer that itself refused, or null when nothing refused. */
  emitting_layer: Layer | null;
  /** The emitting event's source (ECS `event.dataset`) and `observer`, and the component name. */
  emitter: {
    event: { dataset: string };
    component: string;
    observer: { type: string; vendor: string; product: string; name?: string };
  } | null;
  /** The rule of the emitting layer's refusal. */
  decisive_rule: { id: string; name: string | null; ruleset: string | null; type?: string | null } | null;
  /** 0..1: how well the logs prove the verdict (see attribution.ts for the scale). */
  confidence: number;
  /** `high` ≥ 0.8, `medium` ≥ 0.5, else `low`. */
  confidence_label: 'high' | 'medium' | 'low';
  /** Layers (component names) that would prove or disprove the verdict but have no log ingested for this request's time. */
  missing_layers: string[];
  /** How the events were joined: all by shared ids, partly by a scored match on time/method/path/client, or a single event. */
  join: 'id' | 'match' | 'single';
  /** Readable lines, events in hop order with what each layer did, then the conclusion. */
  explanation: string[];
  /** Oddities worth a look: `untrusted_id:<id>` (an id that glues too much), `clock_skew:<s>` … */
  flags: string[];
  /** The request as the outermost layer saw it. */
  request: { method: string | null; domain: string | null; path: string | null; query: string | null };
  /** The client (from the outermost layer that saw the real client). */
  client: { ip: string | null; country: string | null; region: string | null; network: string | null; organization: string | null };
  /** Principal and tenant where an app or audit log has them. */
  user: { id: string | null; roles: string[]; tenant: string | null };
  service: { name: string | null; version: string | null };
  /** Earliest and latest `@timestamp` in the trace, ISO-8601 UTC. */
  first_seen: string;
  last_seen: string;
  /** True until the slowest sources had their chance to add events (see correlation settle time). */
  provisional: boolean;
  /** The events, in hop order. */
  events: VerdictEvent[];
}

/** One event as shown in a verdict. */
export interface VerdictEvent {
  id: string;
  '@timestamp': string;
  dataset: string;
  component: string;
  layer: Layer;
  hop: number;
  status: number | null;
  decision: 'deny' | 'pass' | 'unknown';
  action: string | null;
  upstream_status: number | null;
  rule: { id: string | null; name: string | null; ruleset: string | null } | null;
  /** How this event joined the trace: `id` (shared correlation id) or `match` (scored match). */
  joined_by: 'id' | 'match' | 'root';
  evidence: string | null;
  original: string | null;
}

export function confidenceLabel(c: number): 'high' | 'medium' | 'low' {
  return c >= 0.8 ? 'high' : c >= 0.5 ? 'medium' : 'low';
}
