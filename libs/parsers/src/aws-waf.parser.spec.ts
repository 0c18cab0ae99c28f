import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eventId, hasRefusalMark, HOP, MAX_ORIGINAL_CHARS, type DenyEvent } from '@denytrace/schema';
import { awsWafFormat, parseWafLine } from './aws-waf.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const lines = (p: string): string[] => read(p).split('\n').filter((l) => l.trim() !== '');

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

describe('awsWafFormat', () => {
  it('names the format and dataset', () => {
    expect(awsWafFormat.name).toBe('aws-waf');
    expect(awsWafFormat.dataset).toBe('aws.waf');
  });

  it('detects WAF JSON lines and not other JSON', () => {
    expect(awsWafFormat.detect(lines('corpus/aws-waf/elastic-test-waf.log'))).toBe(1);
    expect(awsWafFormat.detect(['{"ts":"2024-03-12T13:21:07.412Z","level":"warn"}'])).toBe(0);
    expect(awsWafFormat.detect([])).toBe(0);
  });
});

describe('Elastic pipeline test file (corpus/aws-waf)', () => {
  const input = lines('corpus/aws-waf/elastic-test-waf.log');
  const expected = JSON.parse(read('corpus/aws-waf/elastic-test-waf.log-expected.json')).expected as any[];
  const parser = awsWafFormat.createParser({ sourceName: 'elastic-test-waf.log' });
  const events = input.map((l, i) => ev(parser.parse(l, i + 1)));

  it('parses every record', () => {
    expect(events).toHaveLength(expected.length);
  });

  it.each(expected.map((e, i) => [i, e]))('record %i matches Elastic on time, request id, method, path, client, action', (i, exp) => {
    const e = events[i as number];
    expect(e['@timestamp']).toBe(exp['@timestamp']);
    expect(e.http?.request?.id).toBe(exp.http.request.id);
    expect(e.http?.request?.method).toBe(exp.http.request.method);
    expect(e.http?.version).toBe(exp.http.version);
    expect(e.url?.path).toBe(exp.url?.path);
    expect(e.source?.ip).toBe(exp.source.ip);
    // Elastic keeps the WAF's own casing (BLOCK); ECS event.action is lower-case here.
    expect(e.event.action).toBe(String(exp.event.action).toLowerCase());
    // Elastic puts terminatingRuleType in rule.ruleset; we keep it as denytrace.rule_type.
    expect(e.denytrace.rule_type).toBe(exp.rule.ruleset);
    expect(e.event.original).toBe(exp.event.original);
    // Elastic's event.type says denied/allowed.
    expect(e.denytrace.decision).toBe(exp.event.type.includes('denied') ? 'deny' : 'pass');
  });

  it('takes rule.id from terminatingRuleId for non-group rules, like Elastic', () => {
    for (const i of [0, 1, 3]) expect(events[i].rule?.id).toBe(expected[i].rule.id);
  });

  it('names the rule inside a rule group as the decisive rule, the group as ruleset', () => {
    // Elastic maps rule.id = terminatingRuleId (RG-Reference, the web ACL's name for the group).
    // denytrace names the rule that actually matched (ruleGroupList[].terminatingRule.ruleId, here
    // RuleA-XSS) as the decisive rule, with the group as ruleset and the web ACL's name for it as
    // rule.name: a spike of "RG-Reference" blocks hides which of the group's rules started firing
    // (scenario s1's truth also labels managed-group blocks by the inner rule id).
    const g = events[2];
    expect(g.rule?.name).toBe(expected[2].rule.id);
    const group = expected[2].aws.waf.rule_group_list[0];
    expect(g.rule?.id).toBe(group.terminatingRule.ruleId);
    expect(g.rule?.ruleset).toBe(group.ruleGroupId);
    // The group's counted rule stays visible, not effective.
    expect(g.denytrace.non_decisive).toEqual([
      { id: group.nonTerminatingMatchingRules[0].ruleId, ruleset: group.ruleGroupId, action: 'count', effective: false },
    ]);
  });

  it('keeps the web ACL level count match of the ALLOW record as non-decisive', () => {
    const nt = expected[1].aws.waf.non_terminating_matching_rules[0];
    expect(events[1].denytrace.non_decisive).toEqual([{ id: nt.ruleId, ruleset: 'hello-world', action: 'count', effective: false }]);
  });

  it('takes the country the WAF logged (httpRequest.country), not a GeoIP lookup', () => {
    // Elastic's source.geo comes from its own GeoIP database (SE for this MaxMind test address);
    // the WAF's own httpRequest.country is what AWS matched geo rules on.
    expect(events.map((e) => e.source?.geo?.country_iso_code)).toEqual(input.map((l) => JSON.parse(l).httpRequest.country));
  });

  it('gives no correlation id for placeholder request ids (rid, null)', () => {
    for (const e of events) expect(e.denytrace.correlation_ids).toEqual([]);
  });

  it('sets observer, layer, hop, status and bookkeeping fields', () => {
    const e = events[0];
    expect(e.observer).toEqual({ type: 'waf', vendor: 'AWS', product: 'WAF', name: 'STMTest' });
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'aws-waf', hop: HOP.regionalWaf, line: 1, source_file: 'elastic-test-waf.log' });
    expect(e.event.id).toBe(eventId('aws.waf', input[0]));
    expect(e.http?.response?.status_code).toBe(403); // BLOCK, no responseCodeSent: default 403
    expect(events[1].http?.response).toBeUndefined(); // ALLOW: the WAF sent nothing
    expect(e.url?.domain).toBe('localhost');
    expect(e.url?.port).toBe(1989);
    expect(e.user_agent?.original).toBe('curl/7.61.1');
    expect(e.denytrace.match_key).toBe('GET /foo curl/7.61.1');
    expect(events[3].url?.path).toBeUndefined(); // uri "" → absent, as in Elastic
  });
});

describe('C06: nested rule actions vs the real action', () => {
  const input = lines('cases/C06.jsonl');
  const expected = JSON.parse(read('cases/C06.expected.json'));
  const events = input.map((l, i) => ev(parseWafLine(l, i + 1, {})));

  it.each(expected.records.map((r: any) => [r.line, r]) as Array<[number, any]>)('line %i', (lineNo, r) => {
    const e = events[lineNo - 1];
    expect(e['@timestamp']).toBe(r.timestamp);
    expect(e.event.action).toBe(r.action.toLowerCase());
    expect(e.denytrace.decision === 'deny').toBe(r.blocked);
    expect(e.http?.response?.status_code ?? null).toBe(r.emitted_status);
    expect(e.denytrace.rule_type).toBe(r.terminating_rule.type);
    expect(e.source?.ip).toBe(r.client_ip);
    expect(e.source?.geo?.country_iso_code).toBe(r.country);
    expect(e.http?.request?.method).toBe(r.method);
    expect(e.url?.path).toBe(r.uri);
    expect(e.http?.request?.id).toBe(r.request_id);
    expect(e.denytrace.labels).toEqual(r.labels);
    // httpSourceName ALB: the requestId is the ALB's trace id.
    expect(e.denytrace.correlation_ids).toEqual([`xray:${r.request_id}`]);
    expect(e.denytrace.hop).toBe(HOP.regionalWaf);
  });

  it('line 1: ALLOW by Default_Action, counted group and inner BLOCK recorded, not effective', () => {
    const [r] = expected.records;
    const e = events[0];
    expect(e.rule?.id).toBe(r.terminating_rule.id);
    expect(e.event.outcome).toBe('success');
    const nd = e.denytrace.non_decisive ?? [];
    expect(nd.filter((m) => m.action === 'count').map((m) => m.id)).toEqual(r.counted_rules);
    const gm = r.group_matches[0];
    expect(nd).toContainEqual({ id: gm.rule, ruleset: gm.group, action: gm.inner_action.toLowerCase(), effective: gm.effective });
    expect(expected.attribution[0].waf_caused_403).toBe(false);
    expect(e.denytrace.decision).not.toBe('deny');
  });

  it('line 2: BLOCK by the rate-based rule, default 403, rate-based evidence', () => {
    const r = expected.records[1];
    const e = events[1];
    expect(e.rule?.id).toBe(expected.attribution[1].rule);
    expect(e.rule?.ruleset).toBe('shop-acl');
    expect(e.event.outcome).toBe('failure');
    const rb = r.rate_based;
    expect(e.denytrace.evidence).toContain(`rate-based ${rb.name} key ${rb.limit_key} limit ${rb.max_rate} per ${rb.window_s} s`);
    expect(hasRefusalMark(e)).toBe(true);
  });

  it('never decides by substring: BLOCK text inside an ALLOW record does not make it a block', () => {
    const rec = JSON.parse(input[0]);
    rec.httpRequest.uri = '/BLOCK/CAPTCHA';
    rec.labels.push({ name: 'BLOCK' });
    const e = ev(parseWafLine(JSON.stringify(rec), 1));
    expect(e.denytrace.decision).toBe('pass');
  });
});

describe('AWS WAF documented behaviour', () => {
  const base = JSON.parse(lines('cases/C06.jsonl')[1]);
  const mk = (patch: (r: any) => void): DenyEvent => {
    const r = structuredClone(base);
    patch(r);
    return ev(parseWafLine(JSON.stringify(r), 7, { sourceName: 'x' }));
  };

  it('CAPTCHA → 405 and CHALLENGE → 202 when no custom response (AWS CAPTCHA/Challenge docs)', () => {
    expect(mk((r) => { r.action = 'CAPTCHA'; }).http?.response?.status_code).toBe(405);
    expect(mk((r) => { r.action = 'CHALLENGE'; }).http?.response?.status_code).toBe(202);
    expect(mk((r) => { r.action = 'CHALLENGE'; }).denytrace.decision).toBe('deny');
  });

  it('responseCodeSent wins over the default', () => {
    expect(mk((r) => { r.responseCodeSent = 429; }).http?.response?.status_code).toBe(429);
  });

  it('top-level COUNT is a pass', () => {
    const e = mk((r) => { r.action = 'COUNT'; });
    expect(e.denytrace.decision).toBe('pass');
    expect(e.event.outcome).toBe('success');
  });

  it('CloudFront web ACL: edge hop, amzcf id; headers give more ids', () => {
    const cfId = 'nMadII7A6vQSjxwXoLeC2H4GmlfneMBgNdCNHN6hzPPz36GVCRfS0Q==';
    const e = mk((r) => {
      r.httpSourceName = 'CF';
      r.httpRequest.requestId = cfId;
      r.httpRequest.headers.push(
        { name: 'X-Request-ID', value: 'req-7f3a9c21' },
        { name: 'CF-RAY', value: '4a807f60ca5727a4-FRA' },
        { name: 'traceparent', value: '00-65f0610c0123456789abcdef01234567-0123456789abcdef-01' },
        { name: 'user-agent', value: 'curl/8.4.0' },
      );
      r.labels.push({ name: 'awswaf:clientip:geo:region:DE-HE' });
    });
    expect(e.denytrace.hop).toBe(HOP.edgeWaf);
    expect(e.denytrace.correlation_ids).toEqual([
      `amzcf:${cfId}`, 'xrid:req-7f3a9c21', 'cfray:4a807f60ca5727a4',
      'trace:65f0610c0123456789abcdef01234567', 'xray:1-65f0610c-0123456789abcdef01234567',
    ]);
    expect(e.trace?.id).toBe('65f0610c0123456789abcdef01234567');
    expect(e.source?.geo?.region_iso_code).toBe('DE-HE');
    expect(e.denytrace.match_key).toBe('POST /login curl/8.4.0');
  });

  it('API Gateway web ACL: apigw id', () => {
    const e = mk((r) => { r.httpSourceName = 'APIGW'; r.httpRequest.requestId = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef'; });
    expect(e.denytrace.correlation_ids).toEqual(['apigw:c6af9ac6-7b61-11e6-9a41-93e8deadbeef']);
  });

  it('a managed group block names the inner rule even when a counted group also logs an inner BLOCK', () => {
    const e = mk((r) => {
      r.terminatingRuleId = 'AWS-AWSManagedRulesCommonRuleSet';
      r.terminatingRuleType = 'MANAGED_RULE_GROUP';
      r.rateBasedRuleList = [];
      r.ruleGroupList = [
        { ruleGroupId: 'AWS#AWSManagedRulesKnownBadInputsRuleSet', terminatingRule: { ruleId: 'Log4JRCE_HEADER', action: 'BLOCK' }, nonTerminatingMatchingRules: [] },
        { ruleGroupId: 'AWS#AWSManagedRulesCommonRuleSet', terminatingRule: { ruleId: 'NoUserAgent_HEADER', action: 'BLOCK' }, nonTerminatingMatchingRules: [{ ruleId: 'SizeRestrictions_BODY', action: 'COUNT', overriddenAction: 'BLOCK' }] },
      ];
      r.nonTerminatingMatchingRules = [{ ruleId: 'AWS-AWSManagedRulesKnownBadInputsRuleSet', action: 'COUNT' }];
    });
    expect(e.rule).toEqual({ id: 'NoUserAgent_HEADER', name: 'AWS-AWSManagedRulesCommonRuleSet', ruleset: 'AWS#AWSManagedRulesCommonRuleSet' });
    expect(e.denytrace.non_decisive).toEqual([
      { id: 'AWS-AWSManagedRulesKnownBadInputsRuleSet', ruleset: 'shop-acl', action: 'count', effective: false },
      { id: 'Log4JRCE_HEADER', ruleset: 'AWS#AWSManagedRulesKnownBadInputsRuleSet', action: 'block', effective: false },
      { id: 'SizeRestrictions_BODY', ruleset: 'AWS#AWSManagedRulesCommonRuleSet', action: 'block', effective: false },
    ]);
  });

  it('rejects malformed lines with a reason, skips blank ones', () => {
    expect(parseWafLine('', 1)).toEqual({ kind: 'skip' });
    expect(parseWafLine('{"timestamp":1,', 1)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parseWafLine('{"foo":1}', 1)).toMatchObject({ kind: 'reject', reason: 'missing_field' });
    expect(parseWafLine(JSON.stringify({ ...base, timestamp: 'soon' }), 1)).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(parseWafLine(JSON.stringify({ ...base, httpRequest: { ...base.httpRequest, clientIp: '2001' } }), 1)).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
  });

  it('returns on a 200 KB crafted line and bounds event.original', () => {
    const junk = '"\\" '.repeat(50_000);
    expect(['reject', 'event']).toContain(parseWafLine(`{"action":"BLOCK","x":"${junk}`, 1).kind);
    const big = mk((r) => { r.httpRequest.uri = '/' + 'a%'.repeat(100_000); });
    expect(big.event.original!.length).toBe(MAX_ORIGINAL_CHARS);
  });
});

describe('scenario s1 waf.log against its truth', () => {
  const waf = gunzipSync(readFileSync(path.join(SHARED, 'scenarios/s1/waf.log.gz'))).toString('utf8').split('\n');
  const truth = read('scenarios/s1/truth/requests.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const byId = new Map<string, DenyEvent>();
  const parser = awsWafFormat.createParser({ sourceName: 'waf.log' });
  let rejected = 0;
  waf.forEach((l, i) => {
    if (!l) return;
    const o = parser.parse(l, i + 1);
    if (o.kind === 'event') byId.set(o.event.http!.request!.id!, o.event);
    else if (o.kind === 'reject') rejected++;
  });

  it('parses every line', () => {
    expect(rejected).toBe(0);
  });

  it('names the truth rule and rule type for every request the web ACL refused', () => {
    const wafDenials = truth.filter((t) => t.emitter_component === 'aws-waf');
    expect(wafDenials.length).toBeGreaterThan(0);
    for (const t of wafDenials) {
      const e = byId.get(t.ids.waf_request_id)!;
      expect({ id: e.rule?.id, type: e.denytrace.rule_type, decision: e.denytrace.decision, status: e.http?.response?.status_code, cid: e.denytrace.correlation_ids[0] })
        .toEqual({ id: t.rule_id, type: t.rule_type, decision: 'deny', status: t.status, cid: `amzcf:${t.ids.cloudfront_request_id}` });
      if (t.rule_group_id) expect(e.rule?.ruleset).toBe(t.rule_group_id);
    }
  });

  it('passes every request the truth says the web ACL allowed', () => {
    const allowed = truth.filter((t) => t.layer_status['aws-waf:edge-acl'] === 'ALLOW');
    for (const t of allowed) expect(byId.get(t.ids.waf_request_id)!.denytrace.decision).toBe('pass');
  });
});
