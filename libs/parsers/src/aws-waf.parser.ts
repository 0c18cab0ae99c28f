import { cfRayId, cid, HOP, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent, type NonDecisiveMatch, deferEventId } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { normalizeIp, splitHostPort } from './util/ip';
import { compact as dropUndef, httpVersion, isPlaceholderId, matchKey, original, present, lineShare } from './util/fields';
import { findDecisiveGroup, groupRuleMatches, rateBasedEvidence, webAclName, type WafGroup } from './util/aws-waf-rules';

/**
 * AWS WAF (wafv2) web ACL traffic logs: one JSON object per line.
 * Source: https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html
 *
 * Fields read: `timestamp` (epoch **ms**, UTC), `webaclId` (ARN; its name part → observer.name),
 * `action` (the top-level action alone decides: BLOCK/CAPTCHA/CHALLENGE → deny, ALLOW/COUNT → pass;
 * the event text is never searched for "BLOCK"), `terminatingRuleId`, `terminatingRuleType`,
 * `terminatingRuleMatchDetails`, `ruleGroupList[]` (`ruleGroupId`, `terminatingRule`,
 * `nonTerminatingMatchingRules[]` with `overriddenAction`), `rateBasedRuleList[]`,
 * `nonTerminatingMatchingRules[]`, `responseCodeSent`, `labels[].name`, `httpSourceName`
 * (`CF`/`ALB`/`APIGW`/…: where the web ACL sits and what `requestId` is) and `httpRequest`
 * {`clientIp`, `country`, `headers[]`, `uri`, `args`, `httpVersion`, `httpMethod`, `requestId`}.
 *
 * Status when `responseCodeSent` is null: BLOCK 403 (default block response), CAPTCHA 405,
 * CHALLENGE 202 (https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-actions.html).
 *
 * Decisive rule: for a `MANAGED_RULE_GROUP`/`RULE_GROUP`/`GROUP` terminating rule, the rule inside
 * the group (`rule.id` = inner `ruleId`, `rule.ruleset` = `ruleGroupId`, `rule.name` = the web
 * ACL's name for the group); otherwise `rule.id` = `rule.name` = `terminatingRuleId` and
 * `rule.ruleset` = the web ACL name. Count-mode matches go to `denytrace.non_decisive`.
 */
export const awsWafFormat: LogFormat = {
  name: 'aws-waf',
  dataset: 'aws.waf',
  description: 'AWS WAF web ACL logs (wafv2 JSON lines, one request per line)',
  detect(sample: readonly string[]): number {
    return lineShare(sample, (l) => l.charCodeAt(0) === 0x7b && l.includes('"webaclId"') && l.includes('"terminatingRuleId"') && l.includes('"httpRequest"'));
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseWafLine(line, lineNo, options) };
  },
};

const DATASET = 'aws.waf';
const GROUP_TYPES: ReadonlySet<string> = new Set(['MANAGED_RULE_GROUP', 'RULE_GROUP', 'GROUP']);
const DENY_ACTIONS: ReadonlySet<string> = new Set(['BLOCK', 'CAPTCHA', 'CHALLENGE']);
const DEFAULT_STATUS: Readonly<Record<string, number>> = { BLOCK: 403, CAPTCHA: 405, CHALLENGE: 202 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? present(v) : typeof v === 'number' ? String(v) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Parses one WAF log line. Pure. */
export function parseWafLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const text = line.trim();
  if (text === '') return { kind: 'skip' };
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch (e) {
    return { kind: 'reject', reason: 'invalid_json', detail: (e as Error).message.slice(0, 200) };
  }
  if (!isObj(rec)) return { kind: 'reject', reason: 'invalid_json', detail: 'not a JSON object' };
  const action = str(rec.action)?.toUpperCase();
  const req = rec.httpRequest;
  if (!action || !isObj(req)) return { kind: 'reject', reason: 'missing_field', detail: 'no action or httpRequest: not an AWS WAF log record' };
  const ts = typeof rec.timestamp === 'number' ? rec.timestamp : Number(str(rec.timestamp));
  if (!Number.isFinite(ts) || ts <= 0 || ts > 8.64e15) return { kind: 'reject', reason: 'invalid_timestamp', detail: `timestamp ${String(rec.timestamp)}` };

  const clientIpRaw = str(req.clientIp);
  const ip = normalizeIp(clientIpRaw);
  if (clientIpRaw && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `httpRequest.clientIp ${clientIpRaw.slice(0, 80)}` };

  // Headers: names are case-insensitive.
  const headers = new Map<string, string>();
  for (const h of arr(req.headers)) {
    if (!isObj(h)) continue;
    const name = str(h.name)?.toLowerCase();
    const value = typeof h.value === 'string' ? h.value : undefined;
    if (name && value !== undefined && !headers.has(name)) headers.set(name, value);
  }

  const decision: Decision = DENY_ACTIONS.has(action) ? 'deny' : action === 'ALLOW' || action === 'COUNT' ? 'pass' : 'unknown';
  const sent = typeof rec.responseCodeSent === 'number' ? rec.responseCodeSent : Number(str(rec.responseCodeSent));
  const status = Number.isInteger(sent) && sent >= 100 && sent <= 999 ? sent : DEFAULT_STATUS[action];

  // Rules.
  const aclName = webAclName(str(rec.webaclId));
  const termId = str(rec.terminatingRuleId);
  const termType = str(rec.terminatingRuleType);
  const groups = arr(rec.ruleGroupList).filter(isObj) as WafGroup[];
  const chosen = termType && GROUP_TYPES.has(termType.toUpperCase()) ? findDecisiveGroup(groups, action, termId) : -1;
  let rule: DenyEvent['rule'];
  if (chosen >= 0) {
    const g = groups[chosen];
    rule = { id: str((g.terminatingRule as Obj).ruleId), name: termId, ruleset: str(g.ruleGroupId) };
  } else if (termId) {
    rule = { id: termId, name: termId, ruleset: aclName };
  }
  const nonDecisive: NonDecisiveMatch[] = [];
  for (const m of arr(rec.nonTerminatingMatchingRules)) {
    if (!isObj(m) || !str(m.ruleId)) continue;
    nonDecisive.push(dropUndef({ id: str(m.ruleId)!, ruleset: aclName, action: str(m.action)?.toLowerCase(), effective: false }));
  }
  nonDecisive.push(...groupRuleMatches(groups, chosen));

  const labels = arr(rec.labels).map((l) => (isObj(l) ? str(l.name) : undefined)).filter((l): l is string => !!l);
  let region: string | undefined;
  let labelCountry: string | undefined;
  for (const l of labels) {
    if (l.startsWith('awswaf:clientip:geo:region:')) region = l.slice(27);
    else if (l.startsWith('awswaf:clientip:geo:country:')) labelCountry = l.slice(28);
  }
  const country = str(req.country) ?? labelCountry;

  // Where the web ACL sits decides the hop and what requestId is.
  const source = str(rec.httpSourceName)?.toUpperCase();
  const requestId = str(req.requestId);
  const realId = isPlaceholderId(requestId) ? undefined : requestId;
  let hop: number = HOP.regionalWaf;
  const ids: Array<string | undefined> = [];
  if (source === 'CF') {
    hop = HOP.edgeWaf;
    ids.push(cid('amzcf', realId));
  } else if (source === 'APIGW') {
    ids.push(cid('apigw', realId));
  } else {
    ids.push(...traceCorrelationIds(realId));
  }
  ids.push(...traceCorrelationIds(headers.get('x-amzn-trace-id')));
  ids.push(cid('xrid', headers.get('x-request-id')));
  ids.push(cid('cfray', cfRayId(headers.get('cf-ray'))));
  const traceparent = headers.get('traceparent');
  const tpIds = traceCorrelationIds(traceparent);
  ids.push(...tpIds);
  ids.push(cid('amzcf', headers.get('x-amz-cf-id')));
  const w3c = traceparent ? tpIds.find((i) => i.startsWith('trace:'))?.slice(6) : undefined;

  const method = str(req.httpMethod);
  const path = str(req.uri);
  const query = str(req.args);
  const ua = headers.get('user-agent');
  const host = splitHostPort(headers.get('host'));
  const referrer = present(headers.get('referer'));

  const evidence: string[] = [];
  const rateBased = termType?.toUpperCase() === 'RATE_BASED' ? rateBasedEvidence(arr(rec.rateBasedRuleList), termId) : undefined;
  if (rateBased) evidence.push(rateBased);
  for (const d of arr(rec.terminatingRuleMatchDetails).slice(0, 4)) {
    if (isObj(d) && str(d.conditionType)) evidence.push(`match ${str(d.conditionType)} in ${str(d.location) ?? '?'}`);
  }

  const event: DenyEvent = {
    '@timestamp': new Date(ts).toISOString(),
    event: {
      dataset: DATASET,
      id: '',
      action: action.toLowerCase(),
      outcome: decision === 'deny' ? 'failure' : decision === 'pass' ? 'success' : 'unknown',
      original: original(line),
    },
    observer: dropUndef({ type: 'waf', vendor: 'AWS', product: 'WAF', name: aclName }),
    http: dropUndef({
      request: dropUndef({ id: requestId, method, referrer }),
      response: status !== undefined ? { status_code: status } : undefined,
      version: httpVersion(str(req.httpVersion)),
    }),
    url: dropUndef({ domain: host?.host, port: host?.port, path, query }),
    source: ip || country || region
      ? dropUndef({ ip, geo: country || region ? dropUndef({ country_iso_code: country, region_iso_code: region }) : undefined })
      : undefined,
    user_agent: ua !== undefined ? { original: ua } : undefined,
    rule,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: dropUndef({
      layer: 'waf' as const,
      component: 'aws-waf',
      hop,
      decision,
      correlation_ids: uniqueIds(ids),
      rule_type: termType,
      labels: labels.length ? labels : undefined,
      non_decisive: nonDecisive.length ? nonDecisive : undefined,
      evidence: evidence.length ? evidence.join('; ') : undefined,
      match_key: matchKey(method, path, query, ua),
      source_file: options.sourceName,
      line: lineNo,
    }),
  };
  return { kind: 'event', event: deferEventId(dropUndef(event), line) };
}
