import type { ClientRequest } from './stack-model';
import {
  DISTRIBUTION_ID, RATE_LIMIT, RATE_RULE_ARN, RATE_WINDOW_SEC, WAF_CRS_GROUP, WAF_CRS_RULE, WAF_GEO_RULE,
  WAF_KBI_GROUP, WAF_KBI_RULE, WAF_RATE_RULE, WEB_ACL_ARN, WEB_ACL_NAME, SITE_HOST,
} from './stack-world';

/** What the web ACL decided for one request, in the log's own terms, plus the decisive rule for the truth. */
export interface WafVerdict {
  action: 'ALLOW' | 'BLOCK';
  terminatingRuleId: string;
  terminatingRuleType: 'REGULAR' | 'RATE_BASED' | 'MANAGED_RULE_GROUP';
  ruleGroupList: object[];
  rateBasedRuleList: object[];
  nonTerminatingMatchingRules: object[];
  labels: string[];
  /** For a BLOCK: the rule as denytrace names it (inner rule of a managed group, ruleset = group id). */
  decisive: { id: string; name: string; ruleset: string; type: string } | null;
}

const group = (ruleGroupId: string, terminatingRule: object | null, nonTerminating: object[] = []) => ({
  ruleGroupId, terminatingRule, nonTerminatingMatchingRules: nonTerminating, excludedRules: null, customerConfig: null,
});

/**
 * Evaluates the sample web ACL (priority order: geo match → rate-based on `POST /v1/auth/login` →
 * AWS CRS managed group with SizeRestrictions_BODY overridden to Count → Known Bad Inputs group
 * overridden to Count → default Allow), the way AWS WAF logs it
 * (https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html).
 * `geoBlocked`: countries the geo rule blocks now; `loginCount`: requests this address sent to the
 * rate rule's scope in the last {@link RATE_WINDOW_SEC} s, this one included.
 */
export function evaluateWaf(req: ClientRequest, geoBlocked: ReadonlySet<string>, loginCount: number): WafVerdict {
  const labels = [`awswaf:clientip:geo:country:${req.net.country}`, `awswaf:clientip:geo:region:${req.net.region}`];
  const v = (o: Partial<WafVerdict>): WafVerdict => ({
    action: 'ALLOW', terminatingRuleId: 'Default_Action', terminatingRuleType: 'REGULAR', ruleGroupList: [], rateBasedRuleList: [],
    nonTerminatingMatchingRules: [], labels, decisive: null, ...o,
  });
  if (geoBlocked.has(req.net.country)) {
    return v({ action: 'BLOCK', terminatingRuleId: WAF_GEO_RULE, decisive: { id: WAF_GEO_RULE, name: WAF_GEO_RULE, ruleset: WEB_ACL_NAME, type: 'REGULAR' } });
  }
  if (loginCount > RATE_LIMIT) {
    return v({
      action: 'BLOCK', terminatingRuleId: WAF_RATE_RULE, terminatingRuleType: 'RATE_BASED',
      rateBasedRuleList: [{
        rateBasedRuleId: RATE_RULE_ARN, rateBasedRuleName: WAF_RATE_RULE, limitKey: 'IP', maxRateAllowed: RATE_LIMIT,
        evaluationWindowSec: String(RATE_WINDOW_SEC), customValues: [],
      }],
      decisive: { id: WAF_RATE_RULE, name: WAF_RATE_RULE, ruleset: WEB_ACL_NAME, type: 'RATE_BASED' },
    });
  }
  const sig = req.signature;
  if (sig?.group === 'crs') {
    return v({
      action: 'BLOCK', terminatingRuleId: WAF_CRS_RULE, terminatingRuleType: 'MANAGED_RULE_GROUP',
      ruleGroupList: [group(WAF_CRS_GROUP, { ruleId: sig.ruleId, action: 'BLOCK', ruleMatchDetails: null })],
      labels: [...labels, sig.label],
      decisive: { id: sig.ruleId, name: WAF_CRS_RULE, ruleset: WAF_CRS_GROUP, type: 'MANAGED_RULE_GROUP' },
    });
  }
  const crsCounted = req.oversizedBody
    ? [{ ruleId: 'SizeRestrictions_BODY', action: 'COUNT', overriddenAction: 'BLOCK', ruleMatchDetails: [] }]
    : [];
  const allLabels = req.oversizedBody ? [...labels, 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body'] : labels;
  if (sig?.group === 'kbi') {
    return v({
      ruleGroupList: [group(WAF_CRS_GROUP, null, crsCounted), group(WAF_KBI_GROUP, { ruleId: sig.ruleId, action: 'BLOCK', ruleMatchDetails: null })],
      nonTerminatingMatchingRules: [{ ruleId: WAF_KBI_RULE, action: 'COUNT', ruleMatchDetails: [] }],
      labels: [...allLabels, sig.label],
    });
  }
  return v({ ruleGroupList: [group(WAF_CRS_GROUP, null, crsCounted), group(WAF_KBI_GROUP, null)], labels: allLabels });
}

/** True when the request is in the rate-based rule's scope-down (`POST /v1/auth/login`). */
export function inRateScope(req: ClientRequest): boolean {
  return req.method === 'POST' && req.path === '/v1/auth/login';
}

/** The request headers as the web ACL logs them: lower-case names over HTTP/2, canonical case over HTTP/1.1. */
function headers(req: ClientRequest): Array<{ name: string; value: string }> {
  const h2 = req.httpVersion === 'HTTP/2.0';
  const out: Array<{ name: string; value: string }> = [];
  const add = (name: string, value: string | null) => {
    if (value !== null) out.push({ name: h2 ? name.toLowerCase() : name, value });
  };
  add('Host', SITE_HOST);
  add('User-Agent', req.userAgent);
  add('Accept', req.accept);
  if (h2) {
    add('Accept-Language', 'en-US,en;q=0.9');
    add('Accept-Encoding', 'gzip, deflate, br');
  }
  add('Referer', req.referer);
  if (req.principal) add('Authorization', 'REDACTED');
  if (req.clientTraceRoot) add('X-Amzn-Trace-Id', `Root=${req.clientTraceRoot}`);
  if (req.bodyBytes > 0) {
    add('Content-Type', req.contentType);
    add('Content-Length', String(req.bodyBytes));
  }
  if (!h2) add('Connection', 'keep-alive');
  return out;
}

/**
 * One AWS WAF log record (JSON line) of the web ACL on the distribution: `timestamp` epoch ms,
 * `httpSourceName` CF, `httpRequest.requestId` = the CloudFront request id. Field order as in the
 * documentation's examples; `labels` only when there are any.
 */
export function wafLine(timestampMs: number, requestId: string, req: ClientRequest, v: WafVerdict): string {
  return JSON.stringify({
    timestamp: timestampMs,
    formatVersion: 1,
    webaclId: WEB_ACL_ARN,
    terminatingRuleId: v.terminatingRuleId,
    terminatingRuleType: v.terminatingRuleType,
    action: v.action,
    terminatingRuleMatchDetails: [],
    httpSourceName: 'CF',
    httpSourceId: DISTRIBUTION_ID,
    ruleGroupList: v.ruleGroupList,
    rateBasedRuleList: v.rateBasedRuleList,
    nonTerminatingMatchingRules: v.nonTerminatingMatchingRules,
    requestHeadersInserted: null,
    responseCodeSent: null,
    httpRequest: {
      clientIp: req.ip,
      country: req.net.country,
      headers: headers(req),
      uri: req.path,
      args: req.query,
      httpVersion: req.httpVersion,
      httpMethod: req.method,
      requestId,
    },
    ...(v.labels.length > 0 ? { labels: v.labels.map((name) => ({ name })) } : {}),
  });
}
