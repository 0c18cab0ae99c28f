import type { NonDecisiveMatch } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { parseJsonObject } from './util/json-path';
import { BOUNDARY, NativeAuditAssembler } from './util/modsec-native';
import { isErrorLogLine, isModsecErrorLine, MODSEC_DATASET, parseModsecErrorLine, parseModsecJson } from './util/modsec-shapes';

/**
 * ModSecurity (v2 and libmodsecurity v3), three shapes, mixed freely in one file:
 * - **error-log lines** of Apache (`[Thu Sep 30 13:27:06.009964 2021] [:error] [pid …] [client ::1:37752]
 *   [client ::1] ModSecurity: Access denied with code 403 (phase 2). … [id "949110"] [msg "…"] [unique_id "…"]`)
 *   and nginx (`2024/06/14 04:48:20 [error] 1#1: *5 [client 1.2.3.4] ModSecurity: …`): one event per line;
 *   `Access denied` → deny with that line's `[id]` as the decisive rule (CRS 949110/959100: rule_type
 *   `anomaly-blocking`) and the earlier `Warning.` lines of the same `unique_id` as non-decisive
 *   matches; a `Warning.` line → decision unknown, its rule as a non-decisive match;
 * - **v3 JSON audit log** (`{"transaction":{…,"messages":[{"details":{"ruleId":…}}]}}`), see `parseModsecJson`;
 * - **v2 native (Serial) audit log**, sections `--xxxxxxxx-A--` … `--xxxxxxxx-Z--`, emitted at Z
 *   (see `NativeAuditAssembler`): `Action: Intercepted` → deny.
 *
 * Sources: https://github.com/owasp-modsecurity/ModSecurity/wiki/Reference-Manual-(v2.x) (error-log
 * message fields, audit log sections), https://github.com/owasp-modsecurity/ModSecurity/wiki/Reference-Manual-(v3.x)
 * (JSON audit log), CRS anomaly scoring https://coreruleset.org/docs/concepts/anomaly_scoring/.
 * Times without a zone (Apache error log, v3 `time_stamp`) are read as UTC (`tz_offset_minutes` 0).
 * Layer waf, component `modsecurity`, hop HOP.proxy (it runs inside the web server); `unique_id` → `waftx:`.
 */
export const modsecurityFormat: LogFormat = {
  name: 'modsecurity',
  dataset: MODSEC_DATASET,
  description: 'ModSecurity: Apache/nginx error-log messages, v3 JSON audit log, v2 native (Serial) audit log',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    let boundaries = 0;
    for (const raw of sample) {
      const l = raw.trim();
      if (l === '') continue;
      seen++;
      if (BOUNDARY.test(l)) boundaries++;
      else if (isModsecErrorLine(l)) hits++;
      else if (l.startsWith('{"transaction":') && (l.includes('"messages"') || l.includes('"producer"'))) hits++;
    }
    if (seen === 0) return 0;
    if (boundaries > 0) return 0.9;
    return 0.97 * (hits / seen);
  },
  createParser(options: ParserOptions): LineParser {
    const native = new NativeAuditAssembler();
    const prior = new Map<string, NonDecisiveMatch[]>();
    return {
      parse(line: string, lineNo: number): ParseOutcome {
        if (native.open || BOUNDARY.test(line.trim())) return native.push(line, lineNo, options);
        const t = line.trim();
        if (t === '') return { kind: 'skip' };
        if (t.charCodeAt(0) === 0x7b) {
          const p = parseJsonObject(t);
          if (!p.ok) return { kind: 'reject', reason: 'invalid_json', detail: p.detail };
          return parseModsecJson(p.value, line, lineNo, options);
        }
        if (isModsecErrorLine(t)) return parseModsecErrorLine(t, lineNo, options, prior);
        // The web server's other error-log lines (file not found, upstream timeouts) are not ModSecurity's.
        if (isErrorLogLine(t)) return { kind: 'skip' };
        return { kind: 'reject', reason: 'no_match', detail: 'not a ModSecurity error-log line, JSON audit record or native audit section' };
      },
    };
  },
};
