import { corazaFormat } from './coraza.parser';
import { crowdsecRecords, one, parseAll, sharedLines } from './testing/corpus';

describe('Coraza in Caddy JSON logs (corpus, CrowdSec barnoux/caddy-coraza expectations)', () => {
  const lines = sharedLines('corpus/coraza-waf/crowdsec-caddy-coraza.log');
  const { events, rejects } = parseAll(corazaFormat, lines);
  const expected = crowdsecRecords('corpus/coraza-waf/crowdsec-caddy-coraza.s01-parse.derived.json');

  it('detects and parses every line', () => {
    expect(corazaFormat.detect(lines.filter((l) => l.trim()).slice(0, 20))).toBeGreaterThan(0.9);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(expected.length);
  });

  it.each(expected.map((r) => [r.index, r] as const))('line %i matches CrowdSec field by field', (i, r) => {
    const e = events[i];
    const p = r.Parsed;
    expect(e.source?.ip).toBe(r.Meta.source_ip);
    expect(e.rule?.id).toBe(r.Meta.rule_id);
    // CrowdSec's pattern extracts no message on lines with an empty [data ""] (e.g. line 14, whose
    // [msg] is "Request Missing an Accept Header"): compare where it has one.
    const crowdsecMsg = r.Meta.modsec_message ?? p.rulemessage;
    if (crowdsecMsg !== undefined) expect(e.rule?.name).toBe(crowdsecMsg);
    else expect(e.rule?.name).toBe(/\[msg \\?"([^"\\]*)\\?"\]/.exec(lines[i])![1] || undefined); // an empty [msg ""] is absent
    expect(e.rule?.ruleset).toBe(p.version);
    expect(e.rule?.category).toBe(p.ruleseverity);
    expect(e.denytrace.correlation_ids).toEqual([`waftx:${p.uniqueid}`]);
    expect(`${e.url?.path}${e.url?.query !== undefined ? `?${e.url.query}` : ''}`).toBe(p.targeturi);
    const tags = Object.keys(p).filter((k) => k.startsWith('ruletag')).sort((a, b) => Number(a.slice(7)) - Number(b.slice(7))).map((k) => p[k]);
    expect(e.denytrace.labels ?? []).toEqual(tags);
    // Every line is "Coraza: Warning." (DetectionOnly): not a refusal, the match is non-decisive.
    expect(e.denytrace.decision).toBe('unknown');
    expect(e.denytrace.non_decisive).toEqual([{ id: r.Meta.rule_id, ruleset: p.version, action: 'pass', effective: false }]);
  });

  it('time from Caddy\'s ts (epoch seconds), layer waf, component coraza', () => {
    const ts = JSON.parse(lines[0]).ts as number;
    expect(events[0]['@timestamp']).toBe(new Date(Math.floor(ts * 1000)).toISOString());
    expect(events[0].denytrace).toMatchObject({ layer: 'waf', component: 'coraza' });
  });
});

describe('Coraza refusals', () => {
  // Coraza's ErrorLog for a deny (internal/corazarules/rule_match.go: "Coraza: Access denied (phase %d). ").
  const warn = JSON.stringify({ level: 'error', ts: 1710252300.5, logger: 'http.handlers.waf', msg: '[client "203.0.113.7"] Coraza: Warning. SQL Injection Attack Detected via libinjection [file "@owasp_crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"] [line "46"] [id "942100"] [rev ""] [msg "SQL Injection Attack Detected via libinjection"] [data "Matched Data: s&sos found within ARGS:q: 1\' or 1=1"] [severity "critical"] [ver "OWASP_CRS/4.0.0"] [maturity "0"] [accuracy "0"] [hostname "shop.example.com"] [uri "/search?q=1%27+or+1%3D1"] [unique_id "AbCdEfGhIjKlMnOp"]' });
  const deny = JSON.stringify({ level: 'error', ts: 1710252300.501, logger: 'http.handlers.waf', msg: '[client "203.0.113.7"] Coraza: Access denied (phase 2). Inbound Anomaly Score Exceeded (Total Score: 5) [file "@owasp_crs/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "81"] [id "949110"] [rev ""] [msg "Inbound Anomaly Score Exceeded (Total Score: 5)"] [data ""] [severity "emergency"] [ver "OWASP_CRS/4.0.0"] [maturity "0"] [accuracy "0"] [tag "anomaly-evaluation"] [hostname "shop.example.com"] [uri "/search?q=1%27+or+1%3D1"] [unique_id "AbCdEfGhIjKlMnOp"]' });

  it('Access denied: deny, 949110 decisive, the earlier warning non-decisive', () => {
    const { events } = parseAll(corazaFormat, [warn, deny]);
    const e = events[1];
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toMatchObject({ id: '949110', ruleset: 'OWASP_CRS/4.0.0' });
    expect(e.denytrace.rule_type).toBe('anomaly-blocking');
    expect(e.denytrace.non_decisive).toEqual([{ id: '942100', ruleset: 'OWASP_CRS/4.0.0', action: 'pass', effective: false }]);
    expect(e.url).toMatchObject({ domain: 'shop.example.com', path: '/search', query: 'q=1%27+or+1%3D1' });
    expect(e['@timestamp']).toBe('2024-03-12T14:05:00.501Z');
    expect(e.http?.response).toBeUndefined(); // Coraza's log gives no status
  });

  it('plain log lines; other Caddy loggers skipped; malformed lines rejected', () => {
    const plain = one(corazaFormat, '2026-08-30T13:09:46Z ERR [client "45.148.10.38"] Coraza: Access denied (phase 2). Remote File Inclusion Attempt [file "_inline_"] [line "14"] [id "1003"] [msg "Remote File Inclusion Attempt"] [unique_id "PqRsTuVwXyZaBcDe"]');
    expect(plain.source?.ip).toBe('45.148.10.38');
    expect(plain.rule?.id).toBe('1003');
    const r = parseAll(corazaFormat, [JSON.stringify({ level: 'info', ts: 1, logger: 'http.log.access', msg: 'handled request' }), '{"ts":', 'nonsense']);
    expect(r.skips).toBe(1);
    expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_json', 'no_match']);
  });
});
