import type { NonDecisiveMatch } from '@denytrace/schema';
import type { ParseOutcome, ParserOptions } from '../parser';
import { statusField } from './fields';
import { field, parseModsecMessage, type ModsecMessage } from './modsec-message';
import { clientOf, headerMap, matchEvidence, nonDecisiveOf, ruleOf, ruleTypeOf } from './modsec-records';
import { decisiveMessage, MODSEC_DATASET, MODSEC_OBSERVER } from './modsec-shapes';
import { parseNginxTimeLocal } from './time-parse';
import { splitRequestLine } from './url-request';
import { wafEvent } from './waf-event';

/**
 * ModSecurity v2 native (Serial) audit log: one transaction in sections `--<boundary>-<L>--`, A
 * (`[27/Jul/2016:04:11:02 +0800] <unique_id> <client ip> <client port> <server ip> <server port>`),
 * B (request line and headers), F (response status line and headers), H (audit trailer:
 * `Message: …` per match, `Action: Intercepted (phase N)` when the transaction was blocked,
 * `Engine-Mode`, `Producer` …), Z (end). Source: ModSecurity reference manual, "Audit log"
 * (https://github.com/owasp-modsecurity/ModSecurity/wiki/ModSecurity-2-Data-Formats#audit-log).
 * The transaction is emitted on its Z line; the other lines are skipped. A line in section H that
 * does not start a `Name:` item continues the one before (a terminal wrap in a copied log).
 */
export const BOUNDARY = /^--([0-9A-Za-z]{6,32})-([A-Z])--$/;

export class NativeAuditAssembler {
  private boundary: string | undefined;
  private section = '';
  private sections = new Map<string, string[]>();
  private startLine = 0;
  private raw: string[] = [];
  private rawSize = 0;

  get open(): boolean {
    return this.boundary !== undefined;
  }

  /** Feeds one line; returns the transaction's event on its Z line, a reject for a broken transaction, skip otherwise. */
  push(line: string, lineNo: number, options: ParserOptions): ParseOutcome {
    const b = BOUNDARY.exec(line.trim());
    if (b) {
      const [, boundary, letter] = b;
      if (letter === 'A') {
        const broken = this.boundary !== undefined ? this.boundary : undefined;
        this.start(boundary, lineNo, line);
        if (broken) return { kind: 'reject', reason: 'missing_field', detail: `audit transaction ${broken} ended without its Z section` };
        return { kind: 'skip' };
      }
      if (boundary !== this.boundary) return { kind: 'reject', reason: 'no_match', detail: `section ${letter} of transaction ${boundary} without its A section` };
      this.keep(line);
      if (letter === 'Z') {
        const out = this.finish(options);
        this.boundary = undefined;
        return out;
      }
      this.section = letter;
      return { kind: 'skip' };
    }
    this.keep(line);
    const list = this.sections.get(this.section) ?? [];
    if (this.section === 'H' && list.length > 0 && line !== '' && !/^[A-Z][A-Za-z-]*: /.test(line)) list[list.length - 1] += line;
    else list.push(line);
    this.sections.set(this.section, list);
    return { kind: 'skip' };
  }

  private start(boundary: string, lineNo: number, line: string): void {
    this.boundary = boundary;
    this.section = 'A';
    this.sections = new Map();
    this.startLine = lineNo;
    this.raw = [line];
    this.rawSize = line.length;
  }

  private keep(line: string): void {
    if (this.rawSize < 16384) {
      this.raw.push(line);
      this.rawSize += line.length + 1;
    }
  }

  private finish(options: ParserOptions): ParseOutcome {
    const a = (this.sections.get('A') ?? []).find((l) => l.trim() !== '') ?? '';
    const am = /^\[([^\]]+)\] (\S+) (\S+) (\d+) (\S+) (\d+)/.exec(a.trim());
    if (!am) return { kind: 'reject', reason: 'missing_field', detail: `section A of ${this.boundary}: no time, unique id and addresses` };
    const time = parseNginxTimeLocal(am[1]);
    if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: am[1].slice(0, 64) };
    const b = (this.sections.get('B') ?? []).filter((l) => l.trim() !== '');
    const req = splitRequestLine(b[0]);
    const headers = headerMap(b.slice(1));
    const f = (this.sections.get('F') ?? []).filter((l) => l.trim() !== '');
    const status = statusField(/^HTTP\/[\d.]+ (\d{3})/.exec(f[0] ?? '')?.[1]);
    const h = (this.sections.get('H') ?? []).filter((l) => l.trim() !== '');
    const msgs: ModsecMessage[] = [];
    for (const l of h) {
      if (!l.startsWith('Message: ')) continue;
      const m = parseModsecMessage(`ModSecurity: ${l.slice(9)}`);
      if (m) msgs.push(m);
    }
    const action = h.find((l) => l.startsWith('Action: '))?.slice(8).trim();
    const engineMode = h.find((l) => l.startsWith('Engine-Mode: '))?.slice(13).replace(/"/g, '').trim();
    const intercepted = action !== undefined && /^Intercepted/i.test(action);
    const di = intercepted && msgs.length ? decisiveMessage(msgs) : -1;
    const decisive = di >= 0 ? msgs[di] : undefined;
    const nonDecisive = msgs.filter((_, i) => i !== di).map(nonDecisiveOf).filter((x): x is NonDecisiveMatch => !!x);
    const rule = decisive ? ruleOf(decisive) : undefined;
    const raw = this.raw.join('\n');
    const host = headers.get('host');
    return {
      kind: 'event',
      event: wafEvent({
        dataset: MODSEC_DATASET,
        component: 'modsecurity',
        observer: { ...MODSEC_OBSERVER, name: host?.replace(/:\d+$/, '') },
        ms: time.ms,
        decision: intercepted ? 'deny' : 'pass',
        action: intercepted ? 'deny' : msgs.length ? 'detect' : undefined,
        status: status ?? decisive?.code,
        upstreamStatus: intercepted ? null : msgs.length === 0 ? status ?? null : undefined,
        rule: rule?.id ? rule : undefined,
        ruleType: rule?.id ? ruleTypeOf(rule.id) : undefined,
        nonDecisive,
        evidence: [action ? `Action: ${action}` : 'no Action: line (not intercepted)', engineMode ? `Engine-Mode ${engineMode}` : undefined, decisive ? matchEvidence(decisive) : undefined].filter(Boolean).join('; '),
        txId: am[2],
        clientIp: clientOf(am[3]).ip,
        clientPort: Number(am[4]),
        serverIp: clientOf(am[5]).ip,
        serverPort: Number(am[6]),
        method: req.method,
        path: req.path ?? (decisive ? field(decisive, 'uri') : undefined),
        query: req.query,
        version: req.version,
        domain: host?.replace(/:\d+$/, ''),
        headers,
        labels: decisive?.fields.get('tag'),
      }, raw, this.startLine, options),
    };
  }
}
