import { lineShare } from './util/fields';
import type { NonDecisiveMatch } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { asText, parseJsonObject } from './util/json-path';
import { field, parseModsecMessage } from './util/modsec-message';
import { clientOf, decisionOf, matchEvidence, nonDecisiveOf, ruleOf, ruleTypeOf, uriFields } from './util/modsec-records';
import { parseAnyTime } from './util/time-parse';
import { wafEvent } from './util/waf-event';

/**
 * Coraza WAF rule matches (OWASP CRS) as Caddy's coraza-caddy module logs them: Caddy JSON log lines
 * (https://caddyserver.com/docs/logging: `level`, `ts` epoch seconds or a time string, `logger`
 * `http.handlers.waf`, `msg`) whose `msg` is Coraza's `MatchedRule.ErrorLog()` text
 * (https://github.com/corazawaf/coraza, internal/corazarules/rule_match.go): `[client "1.2.3.4"]
 * Coraza: Warning. <msg> [file …] [line …] [id "942431"] [msg "…"] [data "…"] [severity "warning"]
 * [ver "OWASP_CRS/4.0.0-rc1"] [tag …] [hostname …] [uri "…"] [unique_id "xlLuWLRYmwpBtmZj"]`; also
 * plain lines `<ISO time> <level> [client …] Coraza: …` (Traefik/Go plugins).
 *
 * `Coraza: Access denied (phase N).` / `Access dropped` → deny, the line's `[id]` the decisive rule
 * (CRS 949110/959100 → rule_type `anomaly-blocking`) with the earlier warnings of the same transaction
 * as non-decisive matches; `Coraza: Warning.` → decision unknown (DetectionOnly, or a scoring rule:
 * the line alone cannot say whether the transaction was later blocked), its rule non-decisive. Coraza's
 * log does not give the status. Caddy lines of other loggers, and waf lines without a Coraza message,
 * are skipped. Layer waf, component `coraza`, hop HOP.proxy; `unique_id` → `waftx:`.
 */
export const corazaFormat: LogFormat = {
  name: 'coraza',
  dataset: 'coraza.waf',
  description: 'Coraza WAF (OWASP CRS) rule matches in Caddy JSON logs or plain log lines',
  detect(sample: readonly string[]): number {
    return 0.95 * lineShare(sample, (l) => l.includes('Coraza: ') && (l.includes('"logger":"http.handlers.waf"') || PLAIN_HEAD.test(l)));
  },
  createParser(options: ParserOptions): LineParser {
    const prior = new Map<string, NonDecisiveMatch[]>();
    return { parse: (line, lineNo) => parseCorazaLine(line, lineNo, options, prior) };
  },
};

const DATASET = 'coraza.waf';
const PLAIN_HEAD = /^(\d{4}-\d{2}-\d{2}T\S+)\s+\S+\s+\[client /;
const CLIENT = /\[client "?([^"\]]+)"?\]/;

/** One line. `prior` keeps, per transaction, the warnings seen before its deny line (bounded). */
export function parseCorazaLine(line: string, lineNo: number, options: ParserOptions = {}, prior = new Map<string, NonDecisiveMatch[]>()): ParseOutcome {
  const t = line.trim();
  if (t === '') return { kind: 'skip' };
  let text: string;
  let time: unknown;
  if (t.charCodeAt(0) === 0x7b) {
    const p = parseJsonObject(t);
    if (!p.ok) return { kind: 'reject', reason: 'invalid_json', detail: p.detail };
    const msg = asText(p.value.msg);
    if (!msg || !msg.includes('Coraza: ')) return { kind: 'skip' }; // Caddy's other log lines
    text = msg;
    time = p.value.ts ?? p.value.time;
  } else {
    const m = PLAIN_HEAD.exec(t);
    if (!m || !t.includes('Coraza: ')) return { kind: 'reject', reason: 'no_match', detail: 'not a Caddy JSON line nor a Coraza log line' };
    text = t.slice(m[1].length);
    time = m[1];
  }
  const ts = parseAnyTime(time);
  if (!ts) return { kind: 'reject', reason: 'invalid_timestamp', detail: `ts ${String(time).slice(0, 40)}` };
  const msg = parseModsecMessage(text.trim());
  if (!msg) return { kind: 'reject', reason: 'no_match', detail: 'no Coraza message' };
  const d = decisionOf(msg);
  const rule = ruleOf(msg);
  const id = field(msg, 'unique_id');
  let nonDecisive: NonDecisiveMatch[] | undefined;
  const own = msg.verdict === 'warning' ? nonDecisiveOf(msg) : undefined;
  if (id && d.decision === 'deny') {
    nonDecisive = prior.get(id);
    prior.delete(id);
  } else if (id && own) {
    const list = prior.get(id) ?? [];
    if (list.length < 200) list.push(own);
    prior.delete(id);
    prior.set(id, list);
    if (prior.size > 1000) prior.delete(prior.keys().next().value as string);
  }
  const client = clientOf(CLIENT.exec(msg.prefix)?.[1]);
  return {
    kind: 'event',
    event: wafEvent({
      dataset: DATASET,
      component: 'coraza',
      observer: { type: 'waf', vendor: 'OWASP', product: 'Coraza', name: field(msg, 'hostname') },
      ms: ts.ms,
      ...d,
      rule: rule.id ? rule : undefined,
      ruleType: d.decision === 'deny' ? ruleTypeOf(rule.id) : undefined,
      nonDecisive: own ? [own] : nonDecisive,
      evidence: matchEvidence(msg),
      txId: id,
      clientIp: client.ip,
      clientPort: client.port,
      ...uriFields(msg),
      labels: msg.fields.get('tag'),
    }, line, lineNo, options),
  };
}
