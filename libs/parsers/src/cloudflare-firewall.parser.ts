import type { LineParser, LogFormat, ParserOptions } from './parser';
import { parseCloudflareLine } from './util/cloudflare-record';

/** `event.dataset` of Cloudflare firewall events (the Elastic `cloudflare_logpush` integration's name). */
export const CLOUDFLARE_FIREWALL_DATASET = 'cloudflare_logpush.firewall_event';

/**
 * Cloudflare Logpush `firewall_events` dataset, JSON lines (or any JSON document framing ingest splits).
 * Source: https://developers.cloudflare.com/logs/reference/log-fields/zone/firewall_events/
 *
 * Fields read: `Datetime` (RFC 3339, epoch s or epoch ns, as the job's `timestamps` option wrote it
 * → UTC ms), `Action` (block, challenge, jschallenge, managedchallenge, connectionclose and the
 * *failed challenge outcomes → `deny`; log → a non-decisive match; allow, bypass, skip, *solved,
 * *bypassed → `pass`; unknown → `unknown`), `RuleID` → rule.id, `Source` (firewallrules, waf,
 * firewallManaged, ratelimit, securitylevel …) → rule.ruleset and rule_type, `Description` →
 * rule.name, `RayID` (→ `cfray:`; `OriginatorRayID`/`ParentRayID` other than `00` too),
 * `EdgeResponseStatus`, `OriginResponseStatus` (> 0 → upstream_status), `ClientIP`,
 * `ClientCountry` (upper-cased), `ClientASN`, `ClientASNDescription`, `ClientRequest{Host,Method,Path,
 * Query (leading ? dropped),Protocol,Scheme,UserAgent}`; `Kind`, `MatchIndex`, `Metadata` and any
 * other field are kept in `denytrace.extra_fields`. Layer `waf`, component `cloudflare`, hop edge WAF.
 * A record shaped like http_requests (no `Action`) is read as in cloudflare-http.parser.ts.
 */
export const cloudflareFirewallFormat: LogFormat = {
  name: 'cloudflare-firewall',
  dataset: CLOUDFLARE_FIREWALL_DATASET,
  description: 'Cloudflare Logpush firewall_events (JSON: RayID, Action, Source, RuleID)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (l.includes('"RayID"') && l.includes('"Action"') && (l.includes('"Source"') || l.includes('"RuleID"') || l.includes('"Kind"'))) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseCloudflareLine(line, lineNo, options, CLOUDFLARE_FIREWALL_DATASET) };
  },
};
