/**
 * The rule-match message ModSecurity and Coraza write to the error log (and ModSecurity v2 to the
 * audit log's section H `Message:` lines):
 *
 * `ModSecurity: Access denied with code 403 (phase 2). Operator GE matched 5 at TX:anomaly_score. [file "…"] [line "93"] [id "949110"] [msg "Inbound Anomaly Score Exceeded (Total Score: 40)"] [severity "CRITICAL"] [ver "OWASP_CRS/3.3.0"] [tag "…"] [hostname "localhost"] [uri "/"] [unique_id "YVW7KjiKxXlACWj0fjsbkgAAAEk"]`
 *
 * Head words: `Warning.` (a match without a disruptive action, e.g. a CRS anomaly-scoring rule),
 * `Access denied with code N (phase P).` (v2/v3), `Access denied (phase P).` (Coraza),
 * `Access denied with connection close`, `Access allowed`, `Access dropped`, `Access redirected`.
 * Sources: ModSecurity v2 reference manual, "Audit log" / error-log messages
 * (https://github.com/owasp-modsecurity/ModSecurity/wiki/Reference-Manual-(v2.x)#audit-log),
 * Coraza `MatchedRule.ErrorLog` (https://github.com/corazawaf/coraza, internal/corazarules/rule_match.go).
 * Pure; no I/O.
 */

/** What the head of the message says the engine did. */
export type ModsecVerdict = 'warning' | 'denied' | 'allowed' | 'dropped' | 'redirected' | 'proxied' | 'paused' | 'other';

export interface ModsecMessage {
  engine: 'ModSecurity' | 'Coraza';
  verdict: ModsecVerdict;
  /** `with code N` (ModSecurity); Coraza's error log does not give the status. */
  code?: number;
  phase?: number;
  /** The operator text between the head and the first `[name "value"]` (`Operator GE matched 5 at TX:anomaly_score.`). */
  text: string;
  /** `[name "value"]` pairs in order; repeated names (`tag`) keep every value. */
  fields: Map<string, string[]>;
  /** Text before the engine name (`[client ::1:37752] [client ::1] ` of an Apache error-log line). */
  prefix: string;
}

const ENGINE = /(ModSecurity|Coraza): /;
const HEAD = /^(?:(Warning)\.|Access (denied|allowed|dropped|redirected|proxied|paused)(?: with code (\d{3}))?(?: with connection close)?(?: \(phase (\d)\))?\.?|([^.[]*)\.)\s*/;
const FIELD = /\[([a-z_]+) "((?:[^"\\]|\\.)*)"\]/g;

/** Reads the message out of `line`, or undefined when no `ModSecurity: ` / `Coraza: ` is in it. */
export function parseModsecMessage(line: string): ModsecMessage | undefined {
  const e = ENGINE.exec(line);
  if (!e) return undefined;
  const rest = line.slice(e.index + e[0].length);
  const h = HEAD.exec(rest);
  let verdict: ModsecVerdict = 'other';
  let code: number | undefined;
  let phase: number | undefined;
  let body = rest;
  if (h) {
    verdict = h[1] ? 'warning' : h[2] ? (h[2] as ModsecVerdict) : 'other';
    code = h[3] ? Number(h[3]) : undefined;
    phase = h[4] ? Number(h[4]) : undefined;
    body = rest.slice(h[0].length);
  }
  const fields = new Map<string, string[]>();
  let firstField = -1;
  FIELD.lastIndex = 0;
  for (let m = FIELD.exec(body); m; m = FIELD.exec(body)) {
    if (firstField < 0) firstField = m.index;
    const list = fields.get(m[1]);
    const value = m[2].replace(/\\(["\\])/g, '$1');
    if (list) list.push(value);
    else fields.set(m[1], [value]);
  }
  const text = (firstField >= 0 ? body.slice(0, firstField) : body).trim();
  return { engine: e[1] as 'ModSecurity' | 'Coraza', verdict, code, phase, text, fields, prefix: line.slice(0, e.index) };
}

/** The first value of a `[name "value"]` field, absent when missing or empty. */
export function field(m: ModsecMessage, name: string): string | undefined {
  const v = m.fields.get(name)?.[0];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * CRS anomaly-scoring blocking rules: 949110 (inbound) and 959100 (outbound) deny once the score
 * passes the threshold; the rules that added to the score only warned
 * (https://coreruleset.org/docs/concepts/anomaly_scoring/).
 */
export const CRS_BLOCKING_RULES: ReadonlySet<string> = new Set(['949110', '959100']);

/** The rule set of a match: its `[ver]` (`OWASP_CRS/3.3.0`), else the file's base name. */
export function rulesetOf(m: ModsecMessage): string | undefined {
  const ver = field(m, 'ver');
  if (ver) return ver;
  const file = field(m, 'file');
  return file ? file.slice(file.lastIndexOf('/') + 1) : undefined;
}
