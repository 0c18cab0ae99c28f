import type { Decision, DenyEvent, DenytraceFields } from '@denytrace/schema';
import { REFUSAL_STATUSES } from '@denytrace/schema';

/**
 * What an Envoy access-log record says about who answered, from `%RESPONSE_CODE_DETAILS%` and
 * `%RESPONSE_FLAGS%`. Sources:
 * - response flags: https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 * - response code details: https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/response_code_details
 * - RBAC filter (`rbac_access_denied_matched_policy[<policy>]`, `[none]` when no ALLOW policy matched):
 *   https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter
 * - ext_authz filter (403 on denial, `UAEX`): https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_authz_filter
 */

/** The response flags read, with the docs' meaning (used as evidence). */
export const RESPONSE_FLAGS: Readonly<Record<string, string>> = {
  UAEX: 'unauthorized by the external authorization service',
  RL: 'rate limited locally by the HTTP rate limit filter',
  RLSE: 'request rejected: error calling the rate limit service',
  NR: 'no route configured (or no matching filter chain)',
  UH: 'no healthy upstream host',
  UF: 'upstream connection failure',
  UO: 'upstream overflow (circuit breaking)',
  URX: 'upstream retry limit exceeded',
  NC: 'upstream cluster not found',
  DT: 'request or connection exceeded max duration',
  UT: 'upstream request timeout',
  LH: 'local service failed health check',
  LR: 'connection local reset',
  UR: 'upstream remote reset',
  UC: 'upstream connection termination',
  DC: 'downstream connection termination',
  DI: 'request delayed by the fault injection filter',
  FI: 'request aborted by the fault injection filter',
  IH: 'request had an invalid header (strict header check)',
  SI: 'stream idle timeout',
  DPE: 'downstream HTTP protocol error',
  UPE: 'upstream HTTP protocol error',
  UMSDR: 'upstream request reached max stream duration',
  OM: 'overload manager terminated the request',
  DF: 'DNS resolution failed',
  DO: 'dropped by the overload manager (drop_overload)',
};

/** The deny semantics of one record. */
export interface EnvoyDecision {
  decision: Decision;
  action?: string;
  upstream_status?: number | null;
  rule?: DenyEvent['rule'];
  rule_type?: string;
  refused_by?: DenytraceFields['refused_by'];
  evidence?: string;
}

/** The external authorizer Envoy's ext_authz filter asked; its own log (OPA …) names the policy. */
export const EXT_AUTHZ_COMPONENT = 'ext-authz';

const RBAC = /^rbac_access_denied_matched_policy\[(.*)\]$/;

/**
 * Decides what Envoy itself did. `status` is the response code (undefined for 0), `details` the
 * response code details (undefined when not logged, as in the default text format), `flags` the
 * short response flags, `upstreamHost` the upstream host (undefined when `-`).
 */
export function envoyDecision(status: number | undefined, details: string | undefined, flags: readonly string[], upstreamHost: string | undefined): EnvoyDecision {
  const ev: string[] = [];
  if (details) ev.push(`response_code_details=${details}`);
  for (const f of flags) ev.push(`${f}: ${RESPONSE_FLAGS[f] ?? 'response flag'}`);
  const evidence = ev.length ? ev.join('; ') : undefined;
  const rbac = details ? RBAC.exec(details) : null;
  if (rbac) {
    const policy = rbac[1];
    const name = policy === 'none' ? 'no RBAC ALLOW policy matched (default deny)' : policy;
    return { decision: 'deny', action: 'deny', upstream_status: null, rule: { id: policy, name, ruleset: 'envoy.filters.http.rbac' }, rule_type: 'rbac', evidence };
  }
  if ((details && details.startsWith('ext_authz_')) || flags.includes('UAEX')) {
    return { decision: 'deny', action: 'deny', upstream_status: null, refused_by: { layer: 'gateway', component: EXT_AUTHZ_COMPONENT }, rule_type: 'ext_authz', evidence };
  }
  if (details === 'local_rate_limited' || details === 'request_rate_limited' || flags.includes('RL')) {
    const id = details ?? 'RL';
    return { decision: 'deny', action: 'deny', upstream_status: null, rule: { id, name: 'rate limited', ruleset: details === 'local_rate_limited' ? 'envoy.filters.http.local_ratelimit' : 'envoy.filters.http.ratelimit' }, rule_type: 'rate_limit', evidence };
  }
  if (details && details.startsWith('jwt_authn_access_denied')) {
    const reason = /\{(.*)\}$/.exec(details)?.[1];
    return { decision: 'deny', action: 'deny', upstream_status: null, rule: { id: 'jwt_authn', name: reason ?? details, ruleset: 'envoy.filters.http.jwt_authn' }, rule_type: 'jwt_authn', evidence };
  }
  const fromUpstream = details !== undefined ? details === 'via_upstream' : upstreamHost !== undefined && !flags.some((f) => f === 'NR' || f === 'UH' || f === 'UF' || f === 'UO' || f === 'NC');
  if (fromUpstream) return { decision: 'pass', action: 'allow', upstream_status: status ?? null, evidence };
  // Envoy answered itself (direct response, no route, no healthy upstream …).
  if (status !== undefined && REFUSAL_STATUSES.has(status)) {
    return { decision: 'deny', action: 'deny', upstream_status: null, evidence: `envoy answered ${status} itself${evidence ? ` (${evidence})` : ''}` };
  }
  return { decision: 'pass', upstream_status: null, evidence };
}
