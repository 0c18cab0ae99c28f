import type { LineParser, LogFormat, ParserOptions } from './parser';
import { parseCloudflareLine } from './util/cloudflare-record';

/** `event.dataset` of Cloudflare HTTP request logs (the Elastic `cloudflare_logpush` integration's name). */
export const CLOUDFLARE_HTTP_DATASET = 'cloudflare_logpush.http_request';

/**
 * Cloudflare Logpush `http_requests` dataset, JSON lines. Source:
 * https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/ (security fields:
 * https://developers.cloudflare.com/logs/reference/change-notices/2023-02-01-security-fields-updates/).
 *
 * Fields read: `EdgeStartTimestamp` (RFC 3339, epoch s or ns → UTC ms), `EdgeResponseStatus` →
 * status, `OriginResponseStatus` (0 = the origin was not contacted), `CacheCacheStatus`, the
 * terminating security action — current names `SecurityAction`, `SecurityRuleID`,
 * `SecurityRuleDescription` with the parallel `SecurityActions`/`SecurityRuleIDs`/`SecuritySources`;
 * older names `WAFAction`, `WAFRuleID`, `WAFRuleMessage`, `FirewallMatchesActions`/`RuleIDs`/`Sources`
 * —, `RayID` (→ `cfray:`, the origin's `CF-Ray` minus `-COLO`; every pass through Cloudflare gets a new
 * one), `ParentRayID`, `ClientIP`, `ClientSrcPort`, `ClientCountry`, `ClientRegionCode`, `ClientASN`,
 * `ClientRequest{Host,Method,Path,URI,Protocol,Scheme,UserAgent,Referer,Bytes}`, `ClientSSL{Protocol,Cipher}`,
 * `RequestHeaders` (custom fields: `x-request-id` → `xrid:`, `traceparent`, `x-amzn-trace-id`),
 * `ZoneName` → observer.name. Other fields → `denytrace.extra_fields`.
 *
 * Layer split (one record, two possible layers): when a security action refused (block, challenge,
 * jschallenge, managedChallenge, connectionClose, forceConnectionClose, drop) the record is the edge
 * WAF's — layer `waf`, hop edge WAF, rule = the security rule (ruleset = its security source);
 * otherwise it is the CDN's (layer `cdn`, hop CDN): an `OriginResponseStatus` > 0 means the request
 * was forwarded (`pass`, upstream_status = origin status, so an origin 403 passed through is never
 * Cloudflare's); a response from cache is `pass`; a refusal status (401, 403, 407, 429, 451) with
 * origin status 0 is Cloudflare's own refusal (`deny`, upstream_status null); other statuses under
 * 400 `pass`, the rest `unknown`. Component `cloudflare` either way.
 */
export const cloudflareHttpFormat: LogFormat = {
  name: 'cloudflare-http',
  dataset: CLOUDFLARE_HTTP_DATASET,
  description: 'Cloudflare Logpush http_requests (JSON: RayID, Edge/OriginResponseStatus, Security*/WAF* fields)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (l.includes('"RayID"') && l.includes('"EdgeResponseStatus"') && !l.includes('"Action"') && (l.includes('"EdgeStartTimestamp"') || l.includes('"ClientRequestURI"'))) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseCloudflareLine(line, lineNo, options, CLOUDFLARE_HTTP_DATASET) };
  },
};
