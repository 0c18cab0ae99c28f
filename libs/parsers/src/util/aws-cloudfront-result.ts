import type { Decision } from '@denytrace/schema';

/**
 * What a CloudFront result type says about who answered. Values from the standard-logs reference,
 * `x-edge-result-type` and `x-edge-detailed-result-type`:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 *
 * Refusals CloudFront makes itself, without asking the origin (decision `deny`, the result type is
 * the decisive rule): geo restriction, `InvalidRequestBlocked` ("access to the requested resource is
 * blocked"), requests the distribution will not take (`InvalidRequest`, `InvalidRequestMethod`,
 * `InvalidRequestHeader`, `InvalidRequestCertificate`) and `LimitExceeded` ("denied because a
 * CloudFront quota was exceeded").
 *
 * Not refusals: `CapacityExceeded` (503, an outage), client aborts (`ClientCommError`,
 * `ClientHungUpRequest`) → `unknown`; origin failures (`Origin*`, `AbortedOrigin`,
 * `SlowReaderOriginError`) → `pass` (CloudFront went to the origin). `Error` with a 4xx/5xx:
 * a web ACL block and an origin error both log `Error`, so the log alone cannot tell → `unknown`.
 */
export const EDGE_REFUSALS: Readonly<Record<string, string>> = {
  ClientGeoBlocked: 'CloudFront geographic restriction',
  InvalidRequestBlocked: 'CloudFront: access to the requested resource is blocked',
  InvalidRequest: 'CloudFront: invalid request from the viewer',
  InvalidRequestMethod: 'CloudFront: the distribution does not handle this HTTP method',
  InvalidRequestHeader: 'CloudFront: the request contained an invalid header',
  InvalidRequestCertificate: 'CloudFront: the distribution does not match the TLS certificate of the connection',
  LimitExceeded: 'CloudFront: request denied because a CloudFront quota was exceeded',
};

const FORWARDED: ReadonlySet<string> = new Set(['Miss', 'RefreshHit']);
const SERVED: ReadonlySet<string> = new Set(['Hit', 'OriginShieldHit', 'Redirect']);
const UNKNOWN: ReadonlySet<string> = new Set(['CapacityExceeded', 'ClientCommError', 'ClientHungUpRequest']);

export interface CloudFrontVerdict {
  decision: Decision;
  /** True when CloudFront went to the origin and the status is the origin's. */
  forwarded: boolean;
}

/** Decision for one line from its (detailed) result type and status. */
export function cloudfrontVerdict(detailed: string | undefined, status: number | undefined): CloudFrontVerdict {
  const r = detailed ?? '';
  if (r in EDGE_REFUSALS) return { decision: 'deny', forwarded: false };
  if (FORWARDED.has(r)) return { decision: 'pass', forwarded: true };
  if (SERVED.has(r)) return { decision: 'pass', forwarded: false };
  if (UNKNOWN.has(r)) return { decision: 'unknown', forwarded: false };
  if (r.startsWith('Origin') || r === 'AbortedOrigin' || r === 'SlowReaderOriginError') return { decision: 'pass', forwarded: false };
  // `Error` or a type the reference does not list.
  if (status !== undefined && status < 400) return { decision: 'pass', forwarded: false };
  return { decision: 'unknown', forwarded: false };
}
