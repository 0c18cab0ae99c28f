/**
 * CloudFront standard log (legacy delivery to S3): W3C extended format, tab-separated, `-` for an
 * empty value, the 33 fields in documented order after a `#Version` and a `#Fields` line.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 * `date`/`time` are UTC, second resolution, when the edge finished the response; `time-taken` and
 * `time-to-first-byte` are seconds with ms resolution.
 */

/** The documented field names, in order. */
export const CLOUDFRONT_FIELDS: readonly string[] = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status', 'cs(Referer)',
  'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id', 'x-host-header', 'cs-protocol',
  'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher', 'x-edge-response-result-type',
  'cs-protocol-version', 'fle-status', 'fle-encrypted-fields', 'c-port', 'time-to-first-byte', 'x-edge-detailed-result-type',
  'sc-content-type', 'sc-content-len', 'sc-range-start', 'sc-range-end',
];

/** The two header lines every standard log file starts with. */
export const CLOUDFRONT_HEADER: readonly string[] = ['#Version: 1.0', `#Fields: ${CLOUDFRONT_FIELDS.join(' ')}`];

/** One CloudFront log record, before encoding. Times in epoch ms / seconds as named. */
export interface CloudfrontRecord {
  /** When the edge finished the response, epoch ms. */
  finishedMs: number;
  edgeLocation: string;
  scBytes: number;
  clientIp: string;
  method: string;
  distributionDomain: string;
  path: string;
  status: number;
  referer: string | null;
  userAgent: string | null;
  query: string;
  /** `Hit`, `RefreshHit`, `Miss`, `Error`. */
  resultType: string;
  requestId: string;
  hostHeader: string;
  csBytes: number;
  /** Seconds. */
  timeTaken: number;
  protocolVersion: string;
  clientPort: number;
  /** Seconds. */
  timeToFirstByte: number;
  /** `x-edge-detailed-result-type`: the result type, or `ClientGeoBlocked` for geo restriction. */
  detailedResultType: string;
  contentType: string | null;
  contentLength: number | null;
}

/**
 * URL-encodes a header value the way the log shows user agents and referers: space, controls,
 * non-ASCII (as UTF-8 bytes) and the characters that would break a W3C field (`"`, `%`, `\`, `{`,
 * `}`, `|`, `^`, `` ` ``, `<`, `>`, tab).
 */
export function cloudfrontEncode(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  const cached = ENCODED.get(value);
  if (cached !== undefined) return cached;
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (c > 0x7e) out += encodeURIComponent(ch); // UTF-8 bytes, upper-case hex
    else out += c <= 0x20 || c === 0x7f || '"%\\{}|^`<>'.includes(ch) ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  if (ENCODED.size < 256) ENCODED.set(value, out);
  return out;
}

/** Encodings of the few user agents a run repeats (bounded). */
const ENCODED = new Map<string, string>();
const NEEDS_ENCODING = /[^\x21-\x7e]|["%\\{}|^`<>]/;
const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

/** One tab-separated record line (no newline). */
export function cloudfrontLine(r: CloudfrontRecord): string {
  const iso = new Date(Math.floor(r.finishedMs / 1000) * 1000).toISOString();
  return [
    iso.slice(0, 10), iso.slice(11, 19), r.edgeLocation, r.scBytes, r.clientIp, r.method, r.distributionDomain, r.path, r.status,
    dash(r.referer && cloudfrontEncode(r.referer)), dash(r.userAgent && cloudfrontEncode(r.userAgent)), dash(r.query), '-',
    r.resultType, r.requestId, r.hostHeader, 'https', r.csBytes, r.timeTaken.toFixed(3), '-',
    'TLSv1.3', 'TLS_AES_128_GCM_SHA256', r.resultType, r.protocolVersion, '-', '-', r.clientPort, r.timeToFirstByte.toFixed(3),
    r.detailedResultType, dash(r.contentType), dash(r.contentLength), '-', '-',
  ].join('\t');
}
