import { HOP } from '@denytrace/schema';
import { envoyFormat } from './envoy.parser';
import { crowdsecRecords, one, parseAll, sharedLines } from './testing/corpus';

describe('envoyFormat over the corpus', () => {
  const lines = sharedLines('corpus/envoy/crowdsec-envoy.log');
  const { events, rejects } = parseAll(envoyFormat, lines);
  const expected = crowdsecRecords('corpus/envoy/crowdsec-envoy.s01-parse.derived.json');

  it('detects the CRI-wrapped JSON and text lines, and parses every record', () => {
    expect(envoyFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.5);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(expected.length);
  });

  it.each(expected.map((r) => [r.index, r] as const))('record %i matches CrowdSec envoy-logs field by field', (i, r) => {
    const e = events[i];
    const p = r.Parsed;
    expect(e['@timestamp']).toBe(new Date(p.time).toISOString());
    expect(e.http?.request?.method).toBe(p.verb);
    expect(e.url?.path).toBe(p.request);
    expect(String(e.http?.response?.status_code)).toBe(p.status);
    expect(e.user_agent?.original).toBe(p.http_user_agent);
    expect(e.url?.domain).toBe(p.target_fqdn);
    expect(e.source?.ip).toBe(r.Meta.source_ip);
    if (p.request_id) expect(e.denytrace.correlation_ids).toContain(`xrid:${p.request_id}`);
    if (p.bytes_sent) expect(String(e.http?.response?.bytes)).toBe(p.bytes_sent);
    if (p.http_version) expect(e.http?.version).toBe(p.http_version === '2' ? '2' : p.http_version);
  });

  it('every corpus record passed through upstream or was answered without a refusal', () => {
    for (const e of events) {
      expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'envoy', hop: HOP.proxy });
      expect(e.denytrace.decision).toBe('pass');
    }
    expect(events[0].denytrace.upstream_status).toBe(200); // via_upstream
    expect(events[1].denytrace.upstream_status).toBeNull(); // direct_response 301
    expect(events[0].denytrace.correlation_ids).toEqual(['xrid:3bbc0252-2d5c-49fe-bd89-104e9b61770b']);
  });

  it('skips Envoy debug output around the one access line of the ext_authz example', () => {
    const x = sharedLines('corpus/xlayer-envoy-opa/envoy-debug-and-access.log');
    expect(envoyFormat.detect(x.filter((l) => l.trim()).slice(0, 20))).toBeGreaterThan(0.5);
    const r = parseAll(envoyFormat, x);
    expect(r.rejects).toEqual([]);
    expect(r.events).toHaveLength(1);
    const e = r.events[0];
    expect(e['@timestamp']).toBe('2025-11-28T16:02:27.482Z');
    expect(e.denytrace.correlation_ids).toEqual(['xrid:1b07886b-9d46-4a9a-b3ba-3d24b1baec94']);
    expect(e.denytrace.upstream_status).toBe(200); // upstream host 127.0.0.1:80
    expect(e.source).toBeUndefined(); // X-Forwarded-For "-"
  });
});

describe('Envoy refusals', () => {
  // Istio's default text format with an RBAC denial, as Istio's docs show denied requests
  // (https://istio.io/latest/docs/tasks/security/authorization/authz-deny/ : 403 "RBAC: access denied";
  // response code details https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/response_code_details).
  const rbacIstio = '[2024-03-12T14:05:00.123Z] "GET /admin HTTP/1.1" 403 - rbac_access_denied_matched_policy[ns[foo]-policy[deny-admin]-rule[0]] - "-" 0 19 0 - "203.0.113.9" "curl/8.5.0" "5c1b2e8a-0000-4000-8000-000000000001" "app.example.com" "-" inbound|8080|| - 10.0.0.5:8080 10.0.0.9:41234 outbound_.8080_._.app.foo.svc.cluster.local default';

  it('RBAC: deny, the policy is the decisive rule, Envoy answered (upstream_status null)', () => {
    const e = one(envoyFormat, rbacIstio);
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toEqual({ id: 'ns[foo]-policy[deny-admin]-rule[0]', name: 'ns[foo]-policy[deny-admin]-rule[0]', ruleset: 'envoy.filters.http.rbac' });
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.http?.response?.status_code).toBe(403);
    expect(e.source?.ip).toBe('10.0.0.9'); // DOWNSTREAM_REMOTE_ADDRESS
    expect(e.denytrace.correlation_ids).toEqual(['xrid:5c1b2e8a-0000-4000-8000-000000000001']);
    expect(e.event.outcome).toBe('failure');
  });

  it('ext_authz in the default format (flag UAEX): deny, refused by the external authorizer', () => {
    // Default format; UAEX = "Unauthorized external service" (access-log docs, response flags).
    const e = one(envoyFormat, '[2025-11-28T16:02:27.482Z] "GET /api/test HTTP/1.1" 403 UAEX 0 0 3 - "-" "curl/8.7.1" "1b07886b-9d46-4a9a-b3ba-3d24b1baec94" "localhost:8080" "-"');
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.refused_by).toEqual({ layer: 'gateway', component: 'ext-authz' });
    expect(e.rule).toBeUndefined();
    expect(e.denytrace.evidence).toContain('UAEX: unauthorized by the external authorization service');
  });

  it('JSON with ext_authz_denied and an unknown key kept as format drift', () => {
    const e = one(envoyFormat, JSON.stringify({ start_time: '2024-03-12T14:05:00.000Z', method: 'POST', path: '/orders?x=1', protocol: 'HTTP/2', response_code: 403, response_flags: 'UAEX', response_code_details: 'ext_authz_denied', 'x-request-id': 'r-123456789', upstream_host: null, tenant_header: 'acme' }));
    expect(e.denytrace.refused_by?.component).toBe('ext-authz');
    expect(e.url).toMatchObject({ path: '/orders', query: 'x=1' });
    expect(e.denytrace.extra_fields).toEqual({ tenant_header: 'acme' });
  });

  it('a 403 that came back via_upstream is a pass-through, not a refusal', () => {
    const e = one(envoyFormat, JSON.stringify({ start_time: '2024-03-12T14:05:00.000Z', method: 'GET', path: '/a', response_code: 403, response_flags: '-', response_code_details: 'via_upstream', upstream_host: '10.0.0.1:80' }));
    expect(e.denytrace.decision).toBe('pass');
    expect(e.denytrace.upstream_status).toBe(403);
  });

  it('default format: a 403 with an upstream host is the upstream\'s; local rate limit is a deny', () => {
    expect(one(envoyFormat, '[2024-03-12T14:05:00.000Z] "GET /a HTTP/1.1" 403 - 0 10 5 4 "-" "ua" "rid-00000001" "h" "10.0.0.1:80"').denytrace.upstream_status).toBe(403);
    const rl = one(envoyFormat, '[2024-03-12T14:05:00.000Z] "GET /a HTTP/1.1" 429 RL 0 18 0 - "-" "ua" "rid-00000002" "h" "-"');
    expect(rl.denytrace.decision).toBe('deny');
    expect(rl.rule?.id).toBe('RL');
  });

  it('joins CRI partial records; malformed input is a counted reject', () => {
    const r = parseAll(envoyFormat, [
      '2024-03-12T14:05:00.000000000Z stdout P {"start_time":"2024-03-12T14:05:00.000Z","method":"GET",',
      '2024-03-12T14:05:00.000000000Z stdout F "path":"/p","response_code":200,"response_code_details":"via_upstream"}',
      '{"start_time": "2024-03-12T14:05:00.000Z", "method":',
      'hello world',
      '[2024-03-12T14:05:00.000Z] "GET /a HTTP/1.1" abc - 0 0 0 - "-" "-" "-" "-" "-"',
      '{"start_time":"yesterday","method":"GET","response_code":200}',
    ]);
    expect(r.events).toHaveLength(1);
    expect(r.events[0].url?.path).toBe('/p');
    expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_json', 'no_match', 'no_match', 'invalid_timestamp']);
  });
});
