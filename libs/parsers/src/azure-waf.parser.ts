import type { LineParser, LogFormat, ParserOptions } from './parser';
import { AZURE_FD_WAF_DATASET, azureCategoryOf, parseAzureLine } from './util/azure-records';

/**
 * Azure WAF resource logs: Front Door `FrontDoorWebApplicationFirewallLog` (classic:
 * `FrontdoorWebApplicationFirewallLog`, https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-monitor)
 * and Application Gateway `ApplicationGatewayFirewallLog`
 * (https://learn.microsoft.com/azure/application-gateway/application-gateway-diagnostics#firewall-log),
 * JSON lines, `{"records":[…]}` blobs or pretty-printed records. Events carry `event.dataset`
 * `azure_frontdoor.waf` or `azure.application_gateway` by category; Front Door access-log records in
 * the same file are read too (see azure-frontdoor-access.parser.ts).
 *
 * Front Door WAF fields: `time`, `properties` {`action` (Block, Redirect, JSChallenge → `deny`,
 * status 403 for Block; Log, AnomalyScoring → non-decisive match; Allow → `pass`), `policyMode`
 * (`detection`: nothing is refused, a Block is what it would have done → non-decisive), `ruleName`
 * → rule.id, `policy` → rule.ruleset and observer.name, `details.msg` → rule.name, `details.matches`,
 * `clientIP`, `clientPort`, `socketIP`, `host`, `requestUri`, `trackingReference` (= the
 * `X-Azure-Ref` response header → `azref:`)}. Layer `waf`, component `azure-waf`, hop edge WAF.
 *
 * Application Gateway WAF fields: `properties` {`action` (Blocked → `deny`, status 403; Matched,
 * Detected → non-decisive; Allowed → `pass`), `ruleId` → rule.id, `message` → rule.name,
 * `ruleSetType` + `ruleSetVersion` → rule.ruleset, `clientIp`, `requestUri`, `hostname`,
 * `transactionId` (→ `agwtx:`, shared by the gateway's access and firewall logs), `details`
 * {`message`, `data`, `file`, `line`}}. Layer `waf`, component `azure-waf`, hop regional WAF.
 * Unread properties → extra_fields (`properties.<name>`).
 */
export const azureWafFormat: LogFormat = {
  name: 'azure-waf',
  dataset: AZURE_FD_WAF_DATASET,
  description: 'Azure Front Door and Application Gateway WAF logs (resource-log JSON)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      const c = azureCategoryOf(l);
      if (c === 'fdwaf' || c === 'agwwaf') hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseAzureLine(line, lineNo, options) };
  },
};
