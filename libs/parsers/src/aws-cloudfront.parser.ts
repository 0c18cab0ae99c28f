import { cid, HOP, uniqueIds, type DenyEvent, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { normalizeIp } from './util/ip';
import { compact, decodeOnce, httpVersion, intField, isPlaceholderId, matchKey, original, present, statusField } from './util/fields';
import { cloudfrontVerdict, EDGE_REFUSALS } from './util/aws-cloudfront-result';

/**
 * CloudFront standard (access) logs: W3C extended format, tab-separated, with `#Version:` and
 * `#Fields:` header lines. Source:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 *
 * Columns are mapped by the `#Fields:` header, never by position; a file without a header (split
 * mid-way) falls back to the documented 33-column order ({@link CLOUDFRONT_FIELDS}). Missing
 * trailing columns are absent; columns the parser does not know go to `denytrace.extra_fields`
 * under their header name. `-` is absent. `cs(User-Agent)`, `cs(Referer)` and `cs-uri-query` are
 * URL-encoded by CloudFront and decoded once here (a bad escape keeps the raw text); `cs(Cookie)`
 * is not kept. `date` + `time` are UTC, second resolution.
 *
 * Fields: date, time → @timestamp; c-ip (IPv6 kept whole), c-port → source; cs-method, cs-uri-stem,
 * cs-uri-query, cs-protocol, cs-protocol-version, x-host-header (else cs(Host)) → request;
 * x-edge-request-id → http.request.id and `amzcf:`; sc-status, sc-bytes, cs-bytes; ssl-protocol,
 * ssl-cipher → tls; the result types, edge location, timings, content type/length and
 * x-forwarded-for → `denytrace.evidence` as `name=value`. Decision: see aws-cloudfront-result.ts.
 */
export const cloudfrontFormat: LogFormat = {
  name: 'aws-cloudfront',
  dataset: 'aws.cloudfront',
  description: 'Amazon CloudFront standard logs (W3C, tab-separated, #Fields header)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let rows = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      if (l.startsWith('#Fields:') && (l.includes('x-edge-request-id') || l.includes('x-edge-location'))) return 1;
      seen++;
      if (ROW_START.test(l) && countTabs(l) >= 20) rows++;
    }
    return seen === 0 ? 0 : 0.9 * (rows / seen);
  },
  createParser(options: ParserOptions): LineParser {
    let columns: readonly string[] = CLOUDFRONT_FIELDS;
    return {
      parse(line: string, lineNo: number): ParseOutcome {
        if (line.charCodeAt(0) === 0x23 /* # */) {
          if (line.startsWith('#Fields:')) columns = line.slice(8).trim().split(/\s+/);
          return { kind: 'skip' };
        }
        return parseCloudfrontRow(line, lineNo, columns, options);
      },
    };
  },
};

/** The 33 documented columns, in order (fallback when a file has no `#Fields:` line). */
export const CLOUDFRONT_FIELDS: readonly string[] = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status',
  'cs(Referer)', 'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id',
  'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher',
  'x-edge-response-result-type', 'cs-protocol-version', 'fle-status', 'fle-encrypted-fields', 'c-port',
  'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type', 'sc-content-len', 'sc-range-start', 'sc-range-end',
];
const KNOWN: ReadonlySet<string> = new Set([...CLOUDFRONT_FIELDS, 'c-country']);
/** Columns kept as evidence (`name=value`), in this order. */
const EVIDENCE_FIELDS = [
  'x-edge-result-type', 'x-edge-response-result-type', 'x-edge-detailed-result-type', 'x-edge-location', 'time-taken',
  'time-to-first-byte', 'x-forwarded-for', 'fle-status', 'sc-content-type', 'sc-content-len', 'sc-range-start', 'sc-range-end',
];
const ROW_START = /^\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\t/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}$/;
const DATASET = 'aws.cloudfront';

function countTabs(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\t'); i >= 0; i = s.indexOf('\t', i + 1)) n++;
  return n;
}

/** Parses one data row given the column names in force. Pure. */
export function parseCloudfrontRow(line: string, lineNo: number, columns: readonly string[], options: ParserOptions = {}): ParseOutcome {
  if (line.trim() === '') return { kind: 'skip' };
  const cells = line.split('\t');
  if (cells.length < 9) return { kind: 'reject', reason: 'no_match', detail: `${cells.length} tab-separated fields: not a CloudFront standard log row` };
  const f = new Map<string, string>();
  let extra: Record<string, string> | undefined;
  for (let i = 0; i < cells.length; i++) {
    const v = present(cells[i]);
    if (v === undefined) continue;
    const name = columns[i] ?? `field_${i + 1}`;
    if (KNOWN.has(name)) f.set(name, v);
    else (extra ??= {})[name] = v;
  }
  const date = f.get('date');
  const time = f.get('time');
  if (!date || !time || !DATE.test(date) || !TIME.test(time)) return { kind: 'reject', reason: 'invalid_timestamp', detail: `date/time ${date ?? '-'} ${time ?? '-'}` };
  const t = Date.parse(`${date}T${time}.000Z`);
  if (!Number.isFinite(t)) return { kind: 'reject', reason: 'invalid_timestamp', detail: `date/time ${date} ${time}` };
  const rawIp = f.get('c-ip');
  const ip = normalizeIp(rawIp);
  if (rawIp && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `c-ip ${rawIp.slice(0, 80)}` };

  const status = statusField(f.get('sc-status'));
  const detailed = f.get('x-edge-detailed-result-type') ?? f.get('x-edge-result-type');
  const { decision, forwarded } = cloudfrontVerdict(detailed, status);
  const distribution = f.get('cs(Host)');
  const refusal = decision === 'deny' && detailed ? detailed : undefined;
  const rule = refusal
    ? compact({ id: refusal === 'ClientGeoBlocked' ? 'geo-restriction' : refusal, name: EDGE_REFUSALS[refusal], ruleset: distribution })
    : undefined;

  const method = f.get('cs-method');
  const path = f.get('cs-uri-stem');
  const qRaw = f.get('cs-uri-query');
  const query = qRaw !== undefined ? decodeOnce(qRaw) : undefined;
  const uaRaw = f.get('cs(User-Agent)');
  const ua = uaRaw !== undefined ? decodeOnce(uaRaw) : undefined;
  const refRaw = f.get('cs(Referer)');
  const requestId = f.get('x-edge-request-id');
  const port = intField(f.get('c-port'));
  const evidence = EVIDENCE_FIELDS.filter((k) => f.has(k)).map((k) => `${k}=${f.get(k)}`).join(' ');

  const event: DenyEvent = compact({
    '@timestamp': new Date(t).toISOString(),
    event: compact({
      dataset: DATASET,
      id: '',
      action: refusal ? 'deny' : detailed?.toLowerCase(),
      outcome: decision === 'deny' ? ('failure' as const) : decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(line),
    }),
    observer: compact({ type: 'cdn', vendor: 'AWS', product: 'CloudFront', name: distribution }),
    http: compact({
      request: compact({ id: requestId, method, referrer: refRaw !== undefined ? decodeOnce(refRaw) : undefined, bytes: intField(f.get('cs-bytes')) }),
      response: compact({ status_code: status, bytes: intField(f.get('sc-bytes')) }),
      version: httpVersion(f.get('cs-protocol-version')),
    }),
    url: compact({ domain: f.get('x-host-header') ?? distribution, path, query, scheme: f.get('cs-protocol') }),
    source: compact({
      ip,
      port: port !== undefined && port <= 65535 ? port : undefined,
      geo: f.has('c-country') ? { country_iso_code: f.get('c-country') } : undefined,
    }),
    user_agent: ua !== undefined ? { original: ua } : undefined,
    tls: compact({ version: f.get('ssl-protocol'), cipher: f.get('ssl-cipher') }),
    rule,
    denytrace: compact({
      layer: 'cdn' as const,
      component: 'cloudfront',
      hop: HOP.cdn,
      decision,
      upstream_status: decision === 'deny' ? null : forwarded && status !== undefined ? status : undefined,
      correlation_ids: uniqueIds([isPlaceholderId(requestId) ? undefined : cid('amzcf', requestId)]),
      rule_type: refusal,
      evidence: evidence || undefined,
      extra_fields: extra,
      match_key: matchKey(method, path, query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, line) };
}
