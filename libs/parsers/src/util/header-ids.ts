import { cfRayId, cid, traceCorrelationIds, xrayRoot, xrayToW3c } from '@denytrace/schema';

/**
 * Correlation ids from the request headers a proxy logged, for the JSON proxies (Kong, Traefik,
 * Caddy) whose records carry header maps. `get` returns the value of a header by lower-case name
 * (first value when the header was sent several times), or undefined.
 *
 * | header            | id                                                                  |
 * |-------------------|---------------------------------------------------------------------|
 * | `x-request-id`    | `xrid:`                                                             |
 * | `x-amzn-trace-id` | `xray:` Root (and Self), see `traceCorrelationIds`                  |
 * | `traceparent`     | `trace:` and the `xray:` it stands for                              |
 * | `cf-ray`          | `cfray:` (the Ray ID without its colo)                              |
 * | `x-amz-cf-id`     | `amzcf:` (CloudFront request id forwarded to the origin)            |
 */
export function headerCorrelationIds(get: (lowerName: string) => string | undefined): Array<string | undefined> {
  return [
    cid('xrid', get('x-request-id')),
    ...traceCorrelationIds(get('x-amzn-trace-id')),
    ...traceCorrelationIds(get('traceparent')),
    cid('cfray', cfRayId(get('cf-ray'))),
    cid('amzcf', get('x-amz-cf-id')),
  ];
}

/** The W3C trace id (32 hex) of a logged `traceparent` or X-Amzn-Trace-Id Root, or undefined. */
export function w3cTraceIdOf(get: (lowerName: string) => string | undefined): string | undefined {
  const tp = traceCorrelationIds(get('traceparent')).find((i) => i.startsWith('trace:'));
  if (tp) return tp.slice(6);
  const root = xrayRoot(get('x-amzn-trace-id'));
  return root ? xrayToW3c(root) : undefined;
}

/**
 * A case-insensitive reader over a header map as proxies log it: values as strings
 * (`{"user-agent": "curl"}`, Kong) or arrays of strings (`{"User-Agent": ["curl"]}`, Caddy/Go).
 * Non-object input gives a reader that finds nothing.
 */
export function headerReader(headers: unknown): (lowerName: string) => string | undefined {
  const map = new Map<string, string>();
  if (headers !== null && typeof headers === 'object' && !Array.isArray(headers)) {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      const first = Array.isArray(v) ? v.find((x) => typeof x === 'string') : v;
      const name = k.toLowerCase();
      if (typeof first === 'string' && !map.has(name)) map.set(name, first);
    }
  }
  return (name) => map.get(name);
}
