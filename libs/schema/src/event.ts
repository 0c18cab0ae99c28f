/**
 * The normalized event: one log record from any layer, named with Elastic Common Schema fields
 * (https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html) plus a `denytrace`
 * namespace for what ECS has no field for. Nested objects, as ECS documents are stored in
 * Elasticsearch; every parser returns this shape.
 */

/** The kind of layer that logged a record, outermost first: WAF, CDN, gateway (load balancer, API gateway, proxy), app. */
export type Layer = 'waf' | 'cdn' | 'gateway' | 'app';
export const LAYERS: readonly Layer[] = ['waf', 'cdn', 'gateway', 'app'];

/**
 * What this layer itself did with the request: `deny` when it refused (explicit deny/block/challenge,
 * or a refusal status it produced without forwarding), `pass` when it forwarded the request inward
 * (whatever came back), `unknown` when its log cannot tell.
 */
export type Decision = 'deny' | 'pass' | 'unknown';

/**
 * Position of a layer from the client inward (smaller is closer to the client). A web ACL on a CDN
 * sits before the CDN; a web ACL on a load balancer or API gateway sits after the CDN.
 */
export const HOP = {
  edgeWaf: 10,
  cdn: 20,
  regionalWaf: 30,
  loadBalancer: 40,
  proxy: 50,
  app: 60,
} as const;

/** ECS `event.*` for one record. */
export interface EventFields {
  /** Source format, e.g. `aws.waf`, `aws.cloudfront`, `aws.elb`, `nginx.access`, `nginx.error`, `app.audit`. */
  dataset: string;
  /** Stable id of this record (hash of dataset and raw record): re-ingesting the same line gives the same id. */
  id: string;
  /** The layer's own decision word, lower-case: `block`, `allow`, `challenge`, `count`, `deny`, `captcha` … */
  action?: string;
  /** `success` when the layer let the request through, `failure` when it refused. */
  outcome?: 'success' | 'failure' | 'unknown';
  /** The raw record, kept for evidence; truncated to {@link MAX_ORIGINAL_CHARS}. */
  original?: string;
}

/** A normalized event. Optional objects are absent when the layer's log has no such field. */
export interface DenyEvent {
  /** When the layer handled the request: ISO-8601 UTC with milliseconds (`2024-03-12T14:02:11.482Z`). */
  '@timestamp': string;
  event: EventFields;
  observer: {
    /** `waf`, `cdn`, `proxy`, `load-balancer`, `api-gateway`, `app`. */
    type: string;
    vendor: string;
    product: string;
    /** The instance: web ACL name, distribution id, load balancer name, host. */
    name?: string;
  };
  http?: {
    request?: { id?: string; method?: string; referrer?: string; bytes?: number };
    response?: { status_code?: number; bytes?: number };
    version?: string;
  };
  url?: { domain?: string; path?: string; query?: string; original?: string; scheme?: string; port?: number };
  source?: {
    ip?: string;
    port?: number;
    geo?: { country_iso_code?: string; region_iso_code?: string };
    as?: { number?: number; organization?: { name?: string } };
  };
  destination?: { ip?: string; port?: number };
  user_agent?: { original?: string };
  user?: { id?: string; name?: string; roles?: string[] };
  organization?: { id?: string };
  rule?: { id?: string; name?: string; ruleset?: string; category?: string; description?: string };
  service?: { name?: string; version?: string; environment?: string };
  trace?: { id?: string };
  tls?: { version?: string; cipher?: string };
  /** Layer-independent facts denytrace derives; not ECS. */
  denytrace: DenytraceFields;
}

/** A rule that matched without deciding (WAF count mode, a rule inside a group overridden to count). */
export interface NonDecisiveMatch {
  /** The rule id as logged. */
  id: string;
  /** The rule group or web ACL it belongs to, when known. */
  ruleset?: string;
  /** The action the rule would have taken (`block`) had it not been counted. */
  action?: string;
  /** Always false: this match did not decide the request. */
  effective: false;
}

export interface DenytraceFields {
  layer: Layer;
  /** Product-level name of the emitter: `aws-waf`, `cloudfront`, `alb`, `nginx`, `app` … */
  component: string;
  /** See {@link HOP}. */
  hop: number;
  decision: Decision;
  /** For proxies: the status the next layer returned; `null` when the layer never forwarded. Absent when the log cannot tell. */
  upstream_status?: number | null;
  /** Every id this record carries that another layer may also log, as `kind:value` (see correlation-ids.ts). */
  correlation_ids: string[];
  /** Rule type as the vendor names it (`RATE_BASED`, `MANAGED_RULE_GROUP`, `REGULAR`, `fixed-response` …). */
  rule_type?: string;
  /** WAF labels and similar tags. */
  labels?: string[];
  /** Rules that matched but did not decide (count mode). */
  non_decisive?: NonDecisiveMatch[];
  /** Columns or keys the parser did not know, kept as logged (format drift). */
  extra_fields?: Record<string, string>;
  /** The permission or operation an app or audit log checked (`invoice.close`, `s3:GetObject`). */
  permission?: string;
  /**
   * Set when this record shows a refusal made by a component attached to this layer rather than by
   * the layer itself: an ALB log whose `actions_executed` shows its web ACL blocked names
   * `{ layer: 'waf', component: 'aws-waf' }`.
   */
  refused_by?: { layer: Layer; component: string };
  /** Extra evidence for the verdict explanation, e.g. `actions_executed=fixed-response matched_rule_priority=5`. */
  evidence?: string;
  /** For match joins (no shared id): a key the correlator compares (method, path, query, user agent). */
  match_key?: string;
  /** Where the record came from: file (or stream) and 1-based physical line. */
  source_file?: string;
  line?: number;
  /** Set when timestamps had no zone and were read as UTC, or an offset was applied: the offset in minutes. */
  tz_offset_minutes?: number;
}

/** `event.original` is kept to this many characters (evidence only). */
export const MAX_ORIGINAL_CHARS = 4096;

/** Statuses that count as a refusal mark (RFC 9110 §15.5: 401, 403, 407; RFC 6585 §4: 429; RFC 7725: 451). */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 407, 429, 451]);

/** Decision words that are an explicit refusal, lower-case. */
export const REFUSAL_ACTIONS: ReadonlySet<string> = new Set([
  'block', 'deny', 'denied', 'drop', 'challenge', 'captcha', 'managed_challenge', 'js_challenge', 'jschallenge', 'managedchallenge', 'forbid', 'reject',
]);

/**
 * True when an event carries a refusal mark and so is kept in full by the store: a refusal status
 * (401, 403, 407, 429, 451), an explicit refusing action or a `deny` decision, or a WAF count-mode match.
 */
export function hasRefusalMark(e: DenyEvent): boolean {
  const status = e.http?.response?.status_code;
  if (status !== undefined && REFUSAL_STATUSES.has(status)) return true;
  if (e.denytrace.decision === 'deny') return true;
  if (e.event.action && REFUSAL_ACTIONS.has(e.event.action)) return true;
  if (e.denytrace.upstream_status !== undefined && e.denytrace.upstream_status !== null && REFUSAL_STATUSES.has(e.denytrace.upstream_status)) return true;
  return (e.denytrace.non_decisive?.length ?? 0) > 0;
}
