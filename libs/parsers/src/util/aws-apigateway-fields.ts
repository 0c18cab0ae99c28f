/**
 * Where API Gateway access-log formats put each `$context` variable
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html).
 * Users choose the key names: each entry lists the names of the console defaults and AWS examples
 * first, then the variable's own dotted name (flat `"error.responseType"` or nested
 * `{"error":{"responseType":…}}`, see json-path.ts), the `$context.`-prefixed form and common
 * camelCase / snake_case spellings.
 */
const V = (name: string, ...aliases: string[]): readonly string[] => [...aliases, name, `$context.${name}`, `context.${name}`];

export const APIGW_PATHS = {
  requestId: V('requestId', 'request_id'),
  extendedRequestId: V('extendedRequestId', 'extended_request_id'),
  requestTime: V('requestTime', 'request_time'),
  requestTimeEpoch: V('requestTimeEpoch', 'request_time_epoch'),
  ip: V('identity.sourceIp', 'ip', 'sourceIp', 'source_ip', 'clientIp'),
  caller: V('identity.caller', 'caller'),
  user: V('identity.user', 'user'),
  userAgent: V('identity.userAgent', 'userAgent', 'user_agent'),
  principalId: V('authorizer.principalId', 'principalId', 'principal_id'),
  httpMethod: V('httpMethod', 'method', 'http_method'),
  path: V('path'),
  resourcePath: V('resourcePath', 'resource_path'),
  routeKey: V('routeKey', 'route_key'),
  status: V('status', 'statusCode', 'status_code'),
  protocol: V('protocol'),
  responseLength: V('responseLength', 'response_length'),
  domainName: V('domainName', 'domain_name'),
  apiId: V('apiId', 'api_id'),
  stage: V('stage'),
  xrayTraceId: V('xrayTraceId', 'xray_trace_id', 'traceId'),
  responseType: V('error.responseType', 'errorResponseType', 'responseType', 'error_response_type', 'gatewayResponseType'),
  errorMessage: V('error.message', 'errorMessage', 'error_message'),
  wafResponseCode: V('wafResponseCode', 'waf_response_code'),
  wafStatus: V('waf.status', 'wafStatus', 'waf_status'),
  wafError: V('waf.error', 'wafError', 'waf_error'),
  authorizerStatus: [...V('authorizer.status', 'authorizerStatus', 'authorizer_status'), ...V('authorize.status', 'authorizeStatus'), ...V('authorizer.integrationStatus', 'authorizerIntegrationStatus')],
  authorizerError: [...V('authorizer.error', 'authorizerError', 'authorizer_error'), ...V('authorize.error', 'authorizeError')],
  integrationStatus: [...V('integrationStatus', 'integration_status'), ...V('integration.status', 'integrationStatusCode'), ...V('integration.integrationStatus')],
} as const;

/**
 * Gateway response types API Gateway produces itself, without calling the integration
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
 * MISSING_AUTHENTICATION_TOKEN is also its 403 for a resource or method that does not exist.
 */
export const GATEWAY_REFUSALS: ReadonlySet<string> = new Set([
  'ACCESS_DENIED', 'AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE', 'BAD_REQUEST_PARAMETERS', 'BAD_REQUEST_BODY',
  'EXPIRED_TOKEN', 'INVALID_API_KEY', 'INVALID_SIGNATURE', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE', 'RESOURCE_NOT_FOUND', 'THROTTLED', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'WAF_FILTERED',
]);

/** Response types that mean the integration behind API Gateway failed: API Gateway forwarded. */
export const NOT_REFUSALS: ReadonlySet<string> = new Set(['INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT']);

let known: ReadonlySet<string> | undefined;

/** Top-level keys the parser reads (a path's first segment and the path itself); others go to extra_fields. */
export function knownApigwKeys(): ReadonlySet<string> {
  if (known) return known;
  const s = new Set<string>();
  for (const paths of Object.values(APIGW_PATHS)) {
    for (const p of paths) {
      s.add(p);
      if (!p.startsWith('$')) s.add(p.split('.')[0]);
    }
  }
  return (known = s);
}
