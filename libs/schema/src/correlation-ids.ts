/**
 * Typed correlation ids: every id a record carries that another layer may also log, written
 * `kind:value` so that kinds never collide (DESIGN.md, "The normalized event").
 *
 * | prefix   | id                                                                                      |
 * |----------|-----------------------------------------------------------------------------------------|
 * | `xrid:`  | X-Request-ID (nginx `$request_id`, Envoy `x-request-id`, app `request_id`)                 |
 * | `cfray:` | Cloudflare Ray ID; an origin's `CF-Ray: <ray>-<colo>` header minus the colo                 |
 * | `amzcf:` | CloudFront request id (`x-edge-request-id`, header `X-Amz-Cf-Id`)                          |
 * | `xray:`  | the `Root=` of X-Amzn-Trace-Id, `1-<8 hex epoch s>-<24 hex>`                               |
 * | `trace:` | W3C trace-context trace id, 32 lower-case hex                                             |
 * | `apigw:` | API Gateway request id                                                                   |
 * | `azref:` | Azure Front Door `X-Azure-Ref` / trackingReference                                        |
 * | `audit:` | Kubernetes audit id                                                                      |
 * | `awsreq:`| AWS API request id: CloudTrail `requestID`, the `x-amzn-RequestId` the caller got          |
 * | `agwtx:` | Azure Application Gateway `transactionId` (its access and firewall logs share it)          |
 * | `waftx:` | a WAF engine's transaction id: ModSecurity/Apache `unique_id`, Coraza transaction id, open-appsec `eventReferenceId` |
 *
 * X-Ray and W3C: OpenTelemetry's X-Ray propagator maps Root `1-<8>-<24>` to trace id `<8><24>`
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader),
 * so a 32-hex trace id also yields the `xray:` id it stands for.
 */
export type CorrelationKind = 'xrid' | 'cfray' | 'amzcf' | 'xray' | 'trace' | 'apigw' | 'azref' | 'audit' | 'awsreq' | 'agwtx' | 'waftx';
export const CORRELATION_KINDS: readonly CorrelationKind[] = ['xrid', 'cfray', 'amzcf', 'xray', 'trace', 'apigw', 'azref', 'audit', 'awsreq', 'agwtx', 'waftx'];

/** `kind:value`, or undefined when the value is absent (`-`, empty, `null`). */
export function cid(kind: CorrelationKind, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || v === '-' || v === 'null' || v === 'undefined') return undefined;
  return `${kind}:${v}`;
}

const XRAY_ROOT = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i;

/**
 * The X-Ray Root in any of its logged shapes: a whole `X-Amzn-Trace-Id` header
 * (`Self=…;Root=1-…;Parent=…;Sampled=1`), `Root=1-…`, or a bare `1-<8>-<24>`. Lower-cased.
 */
export function xrayRoot(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim().replace(/^"|"$/g, '');
  if (v === '' || v === '-') return undefined;
  for (const part of v.split(';')) {
    const p = part.trim();
    const eq = p.indexOf('=');
    const key = eq >= 0 ? p.slice(0, eq).trim() : '';
    const val = eq >= 0 ? p.slice(eq + 1).trim() : p;
    if ((key === 'Root' || key === '') && XRAY_ROOT.test(val)) return val.toLowerCase();
  }
  return undefined;
}

/** The W3C trace id (32 hex) an X-Ray Root stands for: `1-65f043c0-5ea0…` → `65f043c05ea0…`. */
export function xrayToW3c(root: string): string {
  const m = XRAY_ROOT.exec(root);
  return m ? (m[1] + m[2]).toLowerCase() : root;
}

/**
 * Correlation ids for any trace-ish value a log may hold: an X-Amzn-Trace-Id header or Root
 * (→ `xray:`; a header with `Self=` also gives the Self id), a 32-hex trace id (→ `trace:` and the `xray:` it maps to), or a W3C
 * `traceparent` (→ the same as its trace id). Unknown shapes give no id.
 */
export function traceCorrelationIds(value: string | null | undefined): string[] {
  if (!value) return [];
  const v = value.trim();
  const root = xrayRoot(v);
  if (root) {
    // An ALB that received a client's own Root logs `Self=1-…;Root=1-…`: the Root may be reused by
    // that client across requests, the Self is the load balancer's own and unique per request.
    const self = /(?:^|;)\s*Self=(1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24})/.exec(v)?.[1];
    return self ? [`xray:${root}`, `xray:${self.toLowerCase()}`] : [`xray:${root}`];
  }
  let hex: string | undefined;
  if (HEX32.test(v)) hex = v.toLowerCase();
  else {
    const tp = TRACEPARENT.exec(v);
    if (tp) hex = tp[1].toLowerCase();
  }
  if (!hex || /^0+$/.test(hex)) return [];
  return [`trace:${hex}`, `xray:1-${hex.slice(0, 8)}-${hex.slice(8)}`];
}

/** The Ray ID of a `CF-Ray` header value: `4a807f60ca5727a4-FRA` → `4a807f60ca5727a4`. */
export function cfRayId(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (v === '' || v === '-') return undefined;
  const dash = v.indexOf('-');
  return (dash > 0 ? v.slice(0, dash) : v).toLowerCase();
}

/** Removes duplicates and absent values, keeping first-seen order. */
export function uniqueIds(ids: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const id of ids) if (id && !out.includes(id)) out.push(id);
  return out;
}

/**
 * Reads a user-typed id into the correlation ids it may mean: `amzcf:abc` stays as it is; a bare
 * value is tried as every kind it could be (a Root, a 32-hex id, a CloudFront id …), and an
 * upper-case hex value also in lower case.
 */
export function idCandidates(input: string): string[] {
  const v = input.trim();
  const colon = v.indexOf(':');
  if (colon > 0 && (CORRELATION_KINDS as readonly string[]).includes(v.slice(0, colon))) return [v];
  const out = new Set<string>();
  for (const id of traceCorrelationIds(v)) out.add(id);
  const ray = cfRayId(v);
  for (const kind of CORRELATION_KINDS) out.add(`${kind}:${v}`);
  // Hex ids (nginx $request_id, trace ids, Ray IDs) are logged lower-case; users paste them in any case.
  const lower = v.toLowerCase();
  if (lower !== v && /^[0-9a-f-]+$/.test(lower)) for (const kind of CORRELATION_KINDS) out.add(`${kind}:${lower}`);
  if (ray) out.add(`cfray:${ray}`);
  return [...out];
}
