import { modsecurityFormat } from './modsecurity.parser';
import { crowdsecRecords, parseAll, readShared, sharedLines } from './testing/corpus';

describe('ModSecurity error-log lines (corpus, CrowdSec crowdsecurity/modsecurity expectations)', () => {
  const lines = sharedLines('corpus/modsecurity/crowdsec-modsecurity-logs.log');
  const { events, rejects } = parseAll(modsecurityFormat, lines);
  const expected = crowdsecRecords('corpus/modsecurity/crowdsec-modsecurity-logs.s01-parse.derived.json');

  it('detects and parses every line', () => {
    expect(modsecurityFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.9);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(expected.length);
  });

  it.each(expected.map((r) => [r.index, r] as const))('line %i matches CrowdSec field by field', (i, r) => {
    const e = events[i];
    const p = r.Parsed;
    // CrowdSec keeps the Apache time as written (no zone); we read it as UTC, truncated to ms.
    const m = /^\w+ (\w+) (\d+) ([\d:]+)\.(\d{3})\d* (\d{4})$/.exec(p.timestamp)!;
    expect(e['@timestamp']).toBe(new Date(`${m[1]} ${m[2]} ${m[5]} ${m[3]} UTC`).toISOString().replace('.000Z', `.${m[4]}Z`));
    expect(e.denytrace.tz_offset_minutes).toBe(0);
    expect(e.source?.ip).toBe(r.Meta.source_ip);
    expect(String(e.source?.port)).toBe(p.source_port);
    expect(e.rule?.id).toBe(r.Meta.rule_id);
    expect(e.rule?.name).toBe(r.Meta.modsec_message);
    expect(e.rule?.ruleset).toBe(p.version);
    expect(e.rule?.category).toBe(p.ruleseverity?.toLowerCase());
    expect(e.url?.path).toBe(p.targeturi);
    expect(e.url?.domain).toBe(p.targethost);
    expect(e.denytrace.correlation_ids).toEqual([`waftx:${p.uniqueid}`]);
    const tags = Object.keys(p).filter((k) => k.startsWith('ruletag')).sort().map((k) => p[k]);
    expect(e.denytrace.labels ?? []).toEqual(tags);
    if (r.Meta.modsec_ruledata) expect(e.denytrace.evidence).toContain(r.Meta.modsec_ruledata.slice(0, 150));
    // CrowdSec's modsecseverity says Warning or "Access denied …": our decision follows it.
    expect(e.denytrace.decision).toBe(p.modsecseverity === 'Warning' ? 'unknown' : 'deny');
  });

  it('the Access denied line: 949110 decides, the earlier warnings of its unique_id are non-decisive', () => {
    const deny = events.filter((e) => e.denytrace.decision === 'deny');
    expect(deny.map((e) => [e.rule?.id, e.http?.response?.status_code, e.denytrace.rule_type])).toEqual([['949110', 403, 'anomaly-blocking'], ['949110', 403, 'anomaly-blocking']]);
    // CRS 3.3.0 transaction: lines 1–8 warned before the deny (930100 ×2, 930110 ×4, 930120, 932160).
    expect(deny[0].denytrace.non_decisive?.map((m) => m.id)).toEqual(['930100', '930100', '930110', '930110', '930110', '930110', '930120', '932160']);
    expect(deny[0].denytrace.non_decisive?.every((m) => m.effective === false && m.ruleset === 'OWASP_CRS/3.3.0')).toBe(true);
    // CRS 4 transaction, out of time order: only 980170 was logged before the deny line.
    expect(deny[1].denytrace.non_decisive?.map((m) => m.id)).toEqual(['980170']);
    expect(deny[0].denytrace).toMatchObject({ layer: 'waf', component: 'modsecurity', upstream_status: null });
  });
});

describe('ModSecurity v3 JSON audit log (corpus, Elastic test file)', () => {
  const lines = sharedLines('corpus/modsecurity/elastic-test-audit-json.log');
  const { events, rejects } = parseAll(modsecurityFormat, lines);
  const src = lines.filter((l) => l.trim()).map((l) => JSON.parse(l).transaction);

  it('parses both transactions despite the duplicate Set-Cookie key', () => {
    expect(modsecurityFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.9);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(2);
    expect(events[0]['@timestamp']).toBe('2022-05-10T04:52:04.000Z');
    expect(events[1]['@timestamp']).toBe('2022-05-09T09:41:59.000Z');
    events.forEach((e, i) => {
      expect(e.source).toEqual({ ip: src[i].client_ip, port: src[i].client_port });
      expect(e.http?.request?.method).toBe(src[i].request.method);
      expect(e.url?.path).toBe(src[i].request.uri);
      expect(e.http?.response?.status_code).toBe(src[i].response.http_code);
      expect(e.denytrace.correlation_ids).toEqual([`waftx:${src[i].unique_id}`]);
    });
  });

  it('a 403 with no rule match is not ModSecurity\'s refusal: pass, the status came from behind it', () => {
    expect(events[1].denytrace.decision).toBe('pass');
    expect(events[1].denytrace.upstream_status).toBe(403);
    expect(events[1].rule).toBeUndefined();
  });

  it('a JSON record with messages and a 403: the CRS blocking rule decides, the others are non-decisive', () => {
    const rec = { transaction: { ...JSON.parse(lines[1]).transaction, messages: [
      { message: 'SQL Injection Attack Detected via libinjection', details: { ruleId: '942100', ver: 'OWASP_CRS/3.3.0', data: 'Matched Data: s&sos found', severity: '2' } },
      { message: 'Inbound Anomaly Score Exceeded (Total Score: 5)', details: { ruleId: '949110', ver: 'OWASP_CRS/3.3.0', data: '', severity: '2' } },
    ] } };
    const { events: [e] } = parseAll(modsecurityFormat, [JSON.stringify(rec)]);
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toMatchObject({ id: '949110', ruleset: 'OWASP_CRS/3.3.0' });
    expect(e.denytrace.non_decisive).toEqual([{ id: '942100', ruleset: 'OWASP_CRS/3.3.0', action: 'pass', effective: false }]);
  });
});

describe('ModSecurity v2 native (Serial) audit log', () => {
  // Typed after the ModSecurity 2 data-formats page (audit log sections A, B, F, H, Z):
  // https://github.com/owasp-modsecurity/ModSecurity/wiki/ModSecurity-2-Data-Formats . The H
  // Message line is wrapped twice, as in the corpus's copied example (SOURCE.md).
  const tx = [
    '--fdd0ea7d-A--',
    '[09/Jan/2024:12:41:30 +0800] V5enXn8AAQEAAB6WmkEAAAAF 192.168.1.10 53413 192.168.1.2 80',
    '--fdd0ea7d-B--',
    'GET /dvwa/vulnerabilities/sqli/?id=%27+or+1%3D1&Submit=Submit HTTP/1.1',
    'Host: 192.168.1.2',
    'User-Agent: Mozilla/5.0',
    '',
    '--fdd0ea7d-F--',
    'HTTP/1.1 403 Forbidden',
    'Content-Length: 214',
    '',
    '--fdd0ea7d-E--',
    '<html>forbidden</html>',
    '--fdd0ea7d-H--',
    'Message: Warning. Pattern match "(?i:(?:[\\"\'`])" at ARGS:id. [file "/etc/modsecurity/activated_rules/modsecurity_crs_41_sql_injection_attacks.conf"] [line "64"] [id "981242"] [msg "Detects classic SQL injection probings 1/2"]',
    'Message: Access denied with code 403 (phase 2). Pattern match "(.*)" at TX:0. [file "/etc/modsecurity/activated_rules',
    '/modsecurity_crs_49_inbound_blocking.conf"] [line "26"] [id "981176"] [msg "Inbound Anomaly Score Exceeded (Total Score: 18)"] [',
    'severity "CRITICAL"] [ver "OWASP_CRS/2.2.9"]',
    'Action: Intercepted (phase 2)',
    'Stopwatch: 1466992262000000 10000 (- - -)',
    'Producer: ModSecurity for Apache/2.9.0 (http://www.modsecurity.org/); OWASP_CRS/2.2.9.',
    'Server: Apache/2.4.10 (Raspbian)',
    'Engine-Mode: "ENABLED"',
    '',
    '--fdd0ea7d-Z--',
    '',
  ];

  it('emits one event at Z: intercepted, the Access denied message decides, wrapped lines joined', () => {
    expect(modsecurityFormat.detect(tx.filter((l) => l.trim()))).toBeGreaterThan(0.5);
    const { events, rejects } = parseAll(modsecurityFormat, tx);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e['@timestamp']).toBe('2024-01-09T04:41:30.000Z');
    expect(e.denytrace).toMatchObject({ decision: 'deny', line: 1, correlation_ids: ['waftx:V5enXn8AAQEAAB6WmkEAAAAF'] });
    expect(e.rule).toEqual({ id: '981176', name: 'Inbound Anomaly Score Exceeded (Total Score: 18)', ruleset: 'OWASP_CRS/2.2.9', category: 'critical' });
    expect(e.denytrace.non_decisive).toEqual([{ id: '981242', action: 'pass', effective: false, ruleset: 'modsecurity_crs_41_sql_injection_attacks.conf' }]);
    expect(e.http?.response?.status_code).toBe(403);
    expect(e.source).toEqual({ ip: '192.168.1.10', port: 53413 });
    expect(e.url).toMatchObject({ path: '/dvwa/vulnerabilities/sqli/', query: 'id=%27+or+1%3D1&Submit=Submit', domain: '192.168.1.2' });
    expect(e.user_agent?.original).toBe('Mozilla/5.0');
  });

  it('a transaction cut before Z is a counted reject, and the next one still parses', () => {
    const cut = tx.slice(0, 10);
    const { events, rejects } = parseAll(modsecurityFormat, [...cut, ...tx]);
    expect(rejects.map((r) => r.reason)).toEqual(['missing_field']);
    expect(events).toHaveLength(1);
  });

  it('unrelated lines are rejects, other web-server error lines are skipped', () => {
    const { rejects, skips, events } = parseAll(modsecurityFormat, ['hello', '[Thu Sep 30 13:27:06.009964 2021] [core:error] [pid 1] File does not exist: /x', '{"transaction":']);
    expect(events).toEqual([]);
    expect(skips).toBe(1);
    expect(rejects.map((r) => r.reason)).toEqual(['no_match', 'invalid_json']);
    expect(readShared('corpus/modsecurity/SOURCE.md')).toContain('native serial');
  });
});
