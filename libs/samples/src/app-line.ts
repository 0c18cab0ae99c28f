import type { ClientRequest } from './stack-model';
import { INCIDENT_BAD_VERSION, INCIDENT_ROLE, INCIDENT_SERVICE } from './stack-world';

/**
 * The sample services' authorization audit log: one JSON object per request the app receives, the
 * decision and the policy that made it. Our own format (the app is ours), chosen to be what
 * structured-logging apps commonly write: `ts` ISO-8601 UTC with ms (when the decision was made),
 * `request_id` = nginx `$request_id` (X-Request-ID), `trace_id` = the X-Ray Root of X-Amzn-Trace-Id.
 */
export interface AppDecision {
  decision: 'allow' | 'deny';
  /** `public:<perm>`, `rbac:role/<role> grants|lacks <perm>`, `tenant-isolation`. */
  policy: string;
  status: number;
  /** `rbac` or `tenant-isolation` for denials. */
  ruleType: string;
  /** True when the denial comes from the permissions the bad deploy dropped (the write-denial incident). */
  revoked: boolean;
}

const GRANTS: Readonly<Record<string, readonly string[]>> = {
  customer: ['cart.read', 'cart.write', 'checkout.create', 'account.read', 'account.update'],
  'invoice-editor': ['invoices.read', 'invoices.create', 'invoices.update', 'invoices.delete', 'account.read', 'account.update'],
  'finance-viewer': ['invoices.read', 'reports.read', 'account.read', 'account.update'],
  support: ['admin.orders.read', 'admin.customers.read', 'account.read'],
};
const PUBLIC = new Set(['catalog.read', 'search.read', 'auth.login']);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The app's authorization for `req` served by `version` of its service. `u` is a uniform [0,1) draw
 * for the outcome of allowed requests (404s, 422s, failed logins). RBAC first, then tenant isolation.
 * In {@link INCIDENT_BAD_VERSION} of {@link INCIDENT_SERVICE}, {@link INCIDENT_ROLE} lost its write permissions.
 */
export function authorize(req: ClientRequest, version: string, u: number): AppDecision {
  const perm = req.permission ?? 'unknown';
  const allowStatus = (): number => {
    if (perm === 'auth.login') return req.kind === 'login-bot' || u < 0.1 ? 401 : 200;
    if (req.method === 'POST') return u < 0.02 ? 422 : 201;
    if (req.method === 'PUT') return u < 0.01 ? 409 : 200;
    if (req.method === 'DELETE') return 204;
    return u < 0.03 ? 404 : 200;
  };
  if (PUBLIC.has(perm)) return { decision: 'allow', policy: `public:${perm}`, status: allowStatus(), ruleType: 'public', revoked: false };
  const p = req.principal;
  if (!p) return { decision: 'deny', policy: `authn:required ${perm}`, status: 401, ruleType: 'authn', revoked: false };
  const role = p.roles[0];
  const revoked = req.service?.name === INCIDENT_SERVICE && version === INCIDENT_BAD_VERSION && role === INCIDENT_ROLE && WRITES.has(req.method);
  if (revoked || !GRANTS[role]?.includes(perm)) {
    return { decision: 'deny', policy: `rbac:role/${role} lacks ${perm}`, status: 403, ruleType: 'rbac', revoked: revoked && GRANTS[role]?.includes(perm) === true };
  }
  if (req.resourceTenant && req.resourceTenant !== p.tenant) {
    return { decision: 'deny', policy: 'tenant-isolation', status: 403, ruleType: 'tenant-isolation', revoked: false };
  }
  return { decision: 'allow', policy: `rbac:role/${role} grants ${perm}`, status: allowStatus(), ruleType: 'rbac', revoked: false };
}

/** One app audit line (no newline); `tsMs` epoch ms. */
export function appLine(tsMs: number, service: string, version: string, requestId: string, traceRoot: string, req: ClientRequest, d: AppDecision): string {
  return JSON.stringify({
    ts: new Date(Math.floor(tsMs)).toISOString(),
    level: d.decision === 'deny' ? 'warn' : d.status >= 500 ? 'error' : 'info',
    service,
    version,
    env: 'production',
    request_id: requestId,
    trace_id: traceRoot,
    principal: req.principal?.id ?? 'anonymous',
    roles: req.principal?.roles ?? [],
    tenant: req.principal?.tenant ?? null,
    method: req.method,
    path: req.path,
    permission: req.permission,
    decision: d.decision,
    policy: d.policy,
    status: d.status,
  });
}
