import type { NonDecisiveMatch } from '@denytrace/schema';

/**
 * AWS WAF rule-group and rate-based helpers for aws-waf.parser.ts.
 * Layout: https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html
 * (`ruleGroupList[]` = { ruleGroupId, terminatingRule: {ruleId, action}, nonTerminatingMatchingRules:
 * [{ruleId, action, overriddenAction}], excludedRules }; `rateBasedRuleList[]` = { rateBasedRuleName,
 * limitKey, maxRateAllowed, evaluationWindowSec }).
 */
export type WafGroup = Record<string, unknown>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && v !== '-' ? v : typeof v === 'number' ? String(v) : undefined);
const TERMINATING: ReadonlySet<string> = new Set(['BLOCK', 'CAPTCHA', 'CHALLENGE', 'ALLOW']);
const REFUSING: ReadonlySet<string> = new Set(['BLOCK', 'CAPTCHA', 'CHALLENGE']);

/** `arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge-acl/5f66…` → `edge-acl`; other shapes as given. */
export function webAclName(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const i = arn.indexOf('/webacl/');
  if (i < 0) return arn;
  const rest = arn.slice(i + 8);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

const alnum = (x: string): string => x.replace(/[^A-Za-z0-9]/g, '').toLowerCase();

/**
 * Index of the `ruleGroupList` entry whose inner `terminatingRule` decided the request, or -1.
 * Candidates have an inner terminating action equal to the top-level one (else, for a refusal, any
 * refusing inner action); several candidates (a group overridden to Count also logs an inner BLOCK)
 * are told apart by the group name the web ACL uses (`AWS-AWSManagedRulesCommonRuleSet`
 * ~ `AWS#AWSManagedRulesCommonRuleSet`, compared on letters and digits).
 */
export function findDecisiveGroup(groups: readonly WafGroup[], action: string, terminatingRuleId: string | undefined): number {
  const innerAction = (g: WafGroup): string | undefined => (isObj(g.terminatingRule) ? s(g.terminatingRule.action)?.toUpperCase() : undefined);
  let cands = groups.map((g, i) => (innerAction(g) === action ? i : -1)).filter((i) => i >= 0);
  if (cands.length === 0 && REFUSING.has(action)) cands = groups.map((g, i) => (REFUSING.has(innerAction(g) ?? '') ? i : -1)).filter((i) => i >= 0);
  if (cands.length <= 1) return cands[0] ?? -1;
  if (terminatingRuleId) {
    const want = alnum(terminatingRuleId);
    const named = cands.find((i) => {
      const id = alnum(s(groups[i].ruleGroupId) ?? '');
      return id !== '' && (id === want || id.endsWith(want) || want.endsWith(id));
    });
    if (named !== undefined) return named;
  }
  return cands[0];
}

/**
 * Non-decisive matches inside rule groups: every group's `nonTerminatingMatchingRules` (action =
 * `overriddenAction` when the rule was overridden to Count, i.e. what it would have done), and each
 * inner `terminatingRule` of a group other than `chosen` (a group overridden to Count at the web
 * ACL logs its inner BLOCK, which did not decide).
 */
export function groupRuleMatches(groups: readonly WafGroup[], chosen: number): NonDecisiveMatch[] {
  const out: NonDecisiveMatch[] = [];
  groups.forEach((g, i) => {
    const ruleset = s(g.ruleGroupId);
    const t = g.terminatingRule;
    if (i !== chosen && isObj(t) && s(t.ruleId)) {
      const act = s(t.action)?.toUpperCase();
      if (!act || TERMINATING.has(act)) out.push(nd(s(t.ruleId)!, ruleset, act));
    }
    for (const m of Array.isArray(g.nonTerminatingMatchingRules) ? g.nonTerminatingMatchingRules : []) {
      if (!isObj(m) || !s(m.ruleId)) continue;
      out.push(nd(s(m.ruleId)!, ruleset, (s(m.overriddenAction) ?? s(m.action))?.toUpperCase()));
    }
  });
  return out;
}

function nd(id: string, ruleset: string | undefined, action: string | undefined): NonDecisiveMatch {
  const m: NonDecisiveMatch = { id, effective: false };
  if (ruleset) m.ruleset = ruleset;
  if (action) m.action = action.toLowerCase();
  return m;
}

/**
 * `rate-based <name> key IP limit 100 per 300 s` for the `rateBasedRuleList` entry of the
 * terminating rule (by `rateBasedRuleName`, else the only entry). Parts absent from the log are left out.
 */
export function rateBasedEvidence(list: readonly unknown[], terminatingRuleId: string | undefined): string | undefined {
  const entries = list.filter(isObj);
  const e = entries.find((x) => s(x.rateBasedRuleName) === terminatingRuleId) ?? (entries.length === 1 ? entries[0] : undefined);
  if (!e) return undefined;
  const parts = ['rate-based'];
  const name = s(e.rateBasedRuleName);
  if (name) parts.push(name);
  const key = s(e.limitKey);
  if (key) parts.push(`key ${key}`);
  const max = s(e.maxRateAllowed);
  if (max) parts.push(`limit ${max}`);
  const win = s(e.evaluationWindowSec);
  if (win) parts.push(`per ${win} s`);
  return parts.join(' ');
}
