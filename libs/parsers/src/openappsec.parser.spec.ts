import { openAppsecFormat } from './openappsec.parser';
import { crowdsecRecords, one, parseAll, sharedLines } from './testing/corpus';

describe('open-appsec (corpus, CrowdSec openappsec/openappsec-logs expectations)', () => {
  const lines = sharedLines('corpus/openappsec-waf/crowdsec-openappsec.log');
  const { events, rejects } = parseAll(openAppsecFormat, lines);
  const expected = crowdsecRecords('corpus/openappsec-waf/crowdsec-openappsec.s01-parse.derived.json');
  const src = lines.filter((l) => l.trim()).map((l) => JSON.parse(l));

  it('detects and parses every line', () => {
    expect(openAppsecFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.9);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(expected.length);
  });

  it.each(expected.map((r) => [r.index, r] as const))('record %i matches CrowdSec field by field', (i, r) => {
    const e = events[i];
    const m = r.Meta;
    expect(e.source?.ip).toBe(m.source_ip);
    expect(e.url?.domain).toBe(m.target_fqdn);
    expect(e.rule?.name).toBe(m.incident_type);
    // security_action Prevent = the request was blocked.
    expect(e.denytrace.decision).toBe(m.security_action === 'Prevent' ? 'deny' : 'pass');
    expect(e.event.action).toBe(m.security_action.toLowerCase());
    expect(e.denytrace.evidence).toContain(`matched in ${m.matched_location}${m.matched_parameter ? ` ${m.matched_parameter}` : ''}: ${m.matched_sample.slice(0, 200)}`);
    // Our own reading of the same record: time (no zone → UTC), practice as the decisive rule, reference id.
    expect(e['@timestamp']).toBe(`${src[i].eventTime}Z`);
    expect(e.rule?.id).toBe(src[i].eventData.practiceName); // ruleName is the wildcard "Any"
    expect(e.denytrace.correlation_ids).toEqual([`waftx:${src[i].eventData.eventReferenceId}`]);
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'open-appsec', tz_offset_minutes: 0 });
  });
});

describe('open-appsec variants', () => {
  const rec = (data: object) => JSON.stringify({ eventTime: '2024-03-12T14:05:00.250', eventName: 'Web Request', eventSource: { agentId: 'a1', eventTraceId: '' }, eventData: { eventReferenceId: 'ref-0001-0002', sourceIP: '198.51.100.4', httpMethod: 'POST', httpUriPath: '/login?next=/', httpHostName: 'app.example.com', ruleName: 'block-admin', practiceName: 'webapp-practice', securityAction: 'Prevent', waapIncidentType: 'SQL Injection', ...data } });

  it('a named rule decides; Detect is a pass; unknown keys kept', () => {
    const e = one(openAppsecFormat, rec({ newKey: 'v' }));
    expect(e.rule).toMatchObject({ id: 'block-admin', ruleset: 'webapp-practice' });
    expect(e.url).toMatchObject({ path: '/login', query: 'next=/' });
    expect(e.denytrace.extra_fields).toEqual({ newKey: 'v' });
    expect(one(openAppsecFormat, rec({ securityAction: 'Detect' })).denytrace.decision).toBe('pass');
  });

  it('malformed input is a counted reject', () => {
    const r = parseAll(openAppsecFormat, ['{"eventData":', JSON.stringify({ eventTime: 'x' }), rec({ sourceIP: 'not-an-ip' })]);
    expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_json', 'missing_field', 'invalid_ip']);
  });
});
