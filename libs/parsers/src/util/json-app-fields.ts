/**
 * Where application audit logs usually put each fact, as dotted paths tried in order (flat or
 * nested, see json-path.ts). Keys are the ECS (or denytrace) field they fill. Drawn from common
 * logger conventions: ECS (`http.request.method`, `user.id`), OpenTelemetry (`trace_id`,
 * `traceId`), and authorization audit logs (`decision`, `policy`, `authz.*`).
 */
export const APP_FIELD_PATHS: Readonly<Record<string, readonly string[]>> = {
  '@timestamp': ['@timestamp', 'ts', 'timestamp', 'time', 'date', 'datetime', 'event.created'],
  'http.request.id': ['request_id', 'requestId', 'x_request_id', 'req_id', 'reqId', 'http.request.id', 'request.id', 'http.request_id'],
  'trace.id': ['trace_id', 'traceId', 'trace.id', 'x_amzn_trace_id', 'amzn_trace_id', 'xray_trace_id'],
  traceparent: ['traceparent', 'http.traceparent', 'headers.traceparent'],
  cf_ray: ['cf_ray', 'cfRay', 'cf-ray', 'headers.cf-ray', 'http.cf_ray'],
  amz_cf_id: ['amz_cf_id', 'x_amz_cf_id', 'amzCfId', 'cf_id', 'headers.x-amz-cf-id'],
  'user.id': ['principal', 'principal.id', 'user_id', 'userId', 'user.id', 'user', 'sub', 'subject', 'actor', 'actor.id', 'auth.user'],
  'user.roles': ['roles', 'user.roles', 'principal.roles', 'role', 'auth.roles'],
  'organization.id': ['tenant', 'tenant_id', 'tenantId', 'tenant.id', 'org', 'org_id', 'orgId', 'organization', 'organization.id', 'account_id'],
  'http.request.method': ['method', 'http.method', 'http.request.method', 'request.method', 'verb', 'http_method'],
  'url.path': ['path', 'http.path', 'url.path', 'request.path', 'route', 'http.route', 'uri', 'url', 'request.url', 'http.url', 'request.uri', 'http.target'],
  'url.query': ['query', 'query_string', 'http.query', 'url.query', 'request.query'],
  'url.domain': ['host', 'http.host', 'url.domain', 'request.host'],
  'http.response.status_code': ['status', 'status_code', 'statusCode', 'http.status', 'http.status_code', 'http.response.status_code', 'response.status', 'response.status_code'],
  'denytrace.permission': ['permission', 'authz.permission', 'scope', 'authz.scope', 'action', 'authz.action', 'operation'],
  decision: ['decision', 'authz.decision', 'authz.result', 'result', 'effect', 'authz.effect', 'allowed', 'authz.allowed', 'authorized', 'permitted', 'granted'],
  'rule.id': ['policy', 'authz.policy', 'rule', 'rule_id', 'ruleId', 'rule.id', 'authz.rule', 'policy_id', 'policy.id'],
  'rule.description': ['reason', 'authz.reason', 'deny_reason', 'rule.description'],
  'service.name': ['service', 'service.name', 'app', 'application', 'service_name'],
  'service.version': ['version', 'service.version', 'app_version'],
  'service.environment': ['environment', 'env', 'service.environment', 'deployment.environment'],
  'source.ip': ['client_ip', 'remote_addr', 'ip', 'source.ip', 'client.ip', 'remote_ip', 'clientIp'],
  'user_agent.original': ['user_agent', 'userAgent', 'http.user_agent', 'user_agent.original', 'ua'],
};

/** Decision words (lower-case) → what the app did. */
export const DENY_WORDS: ReadonlySet<string> = new Set(['deny', 'denied', 'forbid', 'forbidden', 'reject', 'rejected', 'block', 'blocked', 'unauthorized', 'refused', 'false']);
export const ALLOW_WORDS: ReadonlySet<string> = new Set(['allow', 'allowed', 'permit', 'permitted', 'grant', 'granted', 'pass', 'accept', 'accepted', 'true']);

