/**
 * Tunables of correlation. All durations are milliseconds.
 *
 * Defaults follow DESIGN.md "Facts about ids and refusals": hosts' clocks differ by seconds, logs
 * arrive late by minutes (CloudFront standard logs, ALB's 5-minute files), and ids reused by clients
 * or layers must not glue unrelated requests.
 */
export interface CorrelationOptions {
  /** An id whose events span longer than this is evidence of nothing (reused id). Default 5 min. */
  maxIdSpanMs: number;
  /** An id linking more events than this is evidence of nothing. Default 16. */
  maxEventsPerId: number;
  /** Largest time difference for a scored match between layers that share no id. Default 10 s. */
  matchWindowMs: number;
  /** Clock difference between two layers of one trace above which the trace is flagged `clock_skew`. Default 60 s. */
  skewFlagMs: number;
  /** A verdict is provisional until its last event is older than this (slow sources had their chance). Default 15 min. */
  settleMs: number;
  /**
   * Datasets that log several records of one request under one id: Kubernetes audit stages
   * (RequestReceived, ResponseComplete … share the auditID), and WAF engines that log one line per
   * matched rule of a transaction (ModSecurity and Coraza `unique_id`).
   */
  multiRecordDatasets: ReadonlySet<string>;
}

export const DEFAULT_CORRELATION_OPTIONS: CorrelationOptions = {
  maxIdSpanMs: 5 * 60_000,
  maxEventsPerId: 16,
  matchWindowMs: 10_000,
  skewFlagMs: 60_000,
  settleMs: 15 * 60_000,
  multiRecordDatasets: new Set(['kubernetes.audit', 'kubernetes.audit_logs', 'modsecurity.auditlog', 'coraza.waf']),
};

/** Where a client address sits, from the user's network table (see `@denytrace/network`). */
export interface NetworkInfo {
  network: string;
  country?: string;
  region?: string;
  organization?: string;
}

/**
 * Which layers were ingested, for naming missing layers. `hasDeeperThan(hop, t)` / `hasShallowerThan(hop, t)`
 * answer whether any source deeper / closer to the client than `hop` was ingested around time `t`
 * (epoch ms); `hasComponent` whether that component's log was.
 */
export interface CoverageView {
  hasDeeperThan(hop: number, t: number): boolean;
  hasShallowerThan(hop: number, t: number): boolean;
  /** The smallest ingested hop deeper than `hop` around `t`, if any. */
  nearestDeeperHop(hop: number, t: number): number | undefined;
  hasComponent(component: string, t: number): boolean;
}

/** Coverage that knows nothing: every layer is assumed ingested (verdicts then name no missing layer). */
export const FULL_COVERAGE: CoverageView = { hasDeeperThan: () => true, hasShallowerThan: () => true, nearestDeeperHop: (hop) => hop + 1, hasComponent: () => true };
