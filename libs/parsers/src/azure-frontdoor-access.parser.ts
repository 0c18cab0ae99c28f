import type { LineParser, LogFormat, ParserOptions } from './parser';
import { AZURE_FD_ACCESS_DATASET, azureCategoryOf, parseAzureLine } from './util/azure-records';

/**
 * Azure Front Door access log (`FrontDoorAccessLog`; classic `FrontdoorAccessLog`), resource-log
 * JSON. Source: https://learn.microsoft.com/azure/frontdoor/monitor-front-door#access-log
 *
 * Fields: `time`, `properties` {`httpStatusCode`, `httpMethod`, `requestUri` (→ url.*), `clientIp`,
 * `clientPort`, `userAgent`, `httpVersion` (`2.0.0.0` → `2.0`), `requestBytes`, `responseBytes`,
 * `securityProtocol`, `ErrorInfo`, `cacheStatus`, `routingRuleName`/`routeName`,
 * `trackingReference` (→ `azref:`, the same value as in the WAF log)}. Layer `cdn`, component
 * `azure-front-door`, hop CDN. Decision: status ≥ 400 with `ErrorInfo` other than NoError → `deny`
 * (Front Door's own error, rule.id = ErrorInfo); with NoError → `unknown` (its WAF or the origin
 * refused: the WAF log joined by `azref:` tells); below 400 → `pass`. WAF records in the same file
 * are read as in azure-waf.parser.ts. Unread properties → extra_fields.
 */
export const azureFrontDoorAccessFormat: LogFormat = {
  name: 'azure-frontdoor-access',
  dataset: AZURE_FD_ACCESS_DATASET,
  description: 'Azure Front Door access log (resource-log JSON, trackingReference = X-Azure-Ref)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (azureCategoryOf(l) === 'fdaccess') hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseAzureLine(line, lineNo, options) };
  },
};
