import type { Layer } from '@denytrace/schema';
import type { GeoNetwork, ServiceDef } from './stack-world';

/** The files the sample stack writes, one per log (`<file>.log`). */
export type StackFile = 'waf' | 'cloudfront' | 'alb' | 'nginx' | 'nginx-error' | 'app';
export const STACK_FILES: readonly StackFile[] = ['waf', 'cloudfront', 'alb', 'nginx', 'nginx-error', 'app'];

/** Product-level component names, as `denytrace.component` spells them. */
export type StackComponent = 'aws-waf' | 'cloudfront' | 'alb' | 'nginx' | 'app';

/** Options of {@link generateStack}. */
export interface StackOptions {
  /** PRNG seed: the same seed and options give byte-identical output. */
  seed: number;
  /** Arrival time of the first request at the edge (UTC). */
  start: Date;
  /** Number of client requests (every request reaches at least one log). */
  requests: number;
  /** Mean arrival rate at the edge, requests per second (default 10). */
  ratePerSecond?: number;
  /** Add a region-wide geo block window and a post-deploy write denial (default false). */
  incidents?: boolean;
}

/** Why a request is sent: the traffic population it belongs to. */
export type TrafficKind = 'browse' | 'agent' | 'integration' | 'scanner' | 'login-bot' | 'admin-probe' | 'internal-probe';

/** A signed-in user of the app. */
export interface Principal { id: string; roles: string[]; tenant: string }

/** An attack signature a scanner request carries, and the managed rule that matches it. */
export interface WafSignature {
  group: 'crs' | 'kbi';
  ruleId: string;
  /** The label the managed rule adds (`awswaf:managed:aws:…`). */
  label: string;
}

/** One request as the client sent it, before any layer saw it. */
export interface ClientRequest {
  /** Arrival at the edge, epoch ms (fractional). */
  t: number;
  kind: TrafficKind;
  ip: string;
  net: GeoNetwork;
  method: string;
  path: string;
  /** Raw query string without `?`, '' when none. */
  query: string;
  httpVersion: 'HTTP/2.0' | 'HTTP/1.1';
  userAgent: string | null;
  referer: string | null;
  accept: string;
  contentType: string | null;
  /** Request body bytes (0 for GET). */
  bodyBytes: number;
  principal: Principal | null;
  /** The tenant owning the resource addressed, when it is not the principal's (tenant-isolation). */
  resourceTenant: string | null;
  /** The app service the path routes to, null for paths no service owns. */
  service: ServiceDef | null;
  /** The permission the app checks. */
  permission: string | null;
  /** X-Amzn-Trace-Id Root the client sent itself (integrations), or null. */
  clientTraceRoot: string | null;
  signature: WafSignature | null;
  /** Body large enough for the CRS SizeRestrictions_BODY rule (overridden to Count). */
  oversizedBody: boolean;
  /** CloudFront may serve it from cache. */
  cacheable: boolean;
}

/**
 * Ground truth for one request that ended refused: who refused it and by which rule, the ids each
 * layer logged for it (`kind:value`, the prefixes of correlation-ids.ts) and the layers that logged it.
 * One line of `truth.jsonl`.
 */
export interface DenyTruth {
  /** Arrival at the edge, ISO-8601 UTC with ms. */
  '@timestamp': string;
  emitting_layer: Layer;
  component: StackComponent;
  rule_id: string;
  rule_name: string | null;
  ruleset: string | null;
  /** Vendor rule type: `REGULAR`, `RATE_BASED`, `MANAGED_RULE_GROUP`, `geo-restriction`, `fixed-response`, `access`, `rbac`, `tenant-isolation`. */
  rule_type: string;
  /** Status the client received. */
  status: number;
  /** Every id the request carries in any file, `kind:value`. */
  correlation_ids: string[];
  /** The ids each component logged for this request (only components in `layers`). */
  ids_by_component: Partial<Record<StackComponent, string[]>>;
  /** Components that logged the request, outermost first. */
  layers: StackComponent[];
  /** `id` when every logged event shares an id with another; `match` when an inner layer (ALB fixed-response) shares none with the outer ones. */
  join: 'id' | 'match';
  /** `region-block` or `post-rollout-write-denial` for incident refusals, else null. */
  incident: string | null;
  traffic: TrafficKind;
  request: { method: string; domain: string; path: string; query: string | null; user_agent: string | null };
  client: { ip: string; country: string; region: string; network: string; organization: string };
  user: { id: string; roles: string[]; tenant: string } | null;
  service: { name: string; version: string } | null;
}

/** One generated log line; `cloudfront` starts with its two header lines. */
export interface StackLine { file: StackFile; line: string }
/** One truth row (its JSON in `line`). */
export interface StackTruth { file: 'truth'; line: string; truth: DenyTruth }
export type StackItem = StackLine | StackTruth;
