import { opaDecisionFormat } from './opa-decision.parser';
import { one, parseAll, readShared, sharedLines } from './testing/corpus';

describe('opaDecisionFormat over the corpus', () => {
  it('the docs example (a pretty-printed JSON array) is one event with the page\'s values', () => {
    const lines = sharedLines('corpus/opa-decision/opa-docs-decision-log-example.json');
    expect(opaDecisionFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.5);
    const { events, rejects } = parseAll(opaDecisionFormat, lines);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(1);
    const doc = JSON.parse(readShared('corpus/opa-decision/opa-docs-decision-log-example.json'))[0];
    const e = events[0];
    expect(e['@timestamp']).toBe('2018-01-01T00:00:00.000Z');
    expect(e.rule).toEqual({ id: doc.path, name: 'data.http.example.authz.allow', ruleset: 'authz' });
    expect(e.denytrace.decision).toBe('pass'); // result "true"
    expect(e.http?.request?.method).toBe(doc.input.method);
    expect(e.url?.path).toBe(doc.input.path);
    expect(e.observer.name).toBe(doc.labels.id);
    expect(e.denytrace.evidence).toContain(`decision_id=${doc.decision_id}`);
    expect(e.denytrace.evidence).toContain(`bundle authz revision ${doc.bundles.authz.revision}`);
  });

  it('the Envoy ext_authz decision carries Envoy\'s x-request-id, client and request', () => {
    for (const file of ['corpus/opa-decision/kanywst-opa-envoy-decision-log.ndjson', 'corpus/xlayer-envoy-opa/opa-envoy-plugin.ndjson']) {
      const lines = sharedLines(file);
      expect(opaDecisionFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.5);
      const { events, rejects, skips } = parseAll(opaDecisionFormat, lines);
      expect(rejects).toEqual([]);
      expect(events).toHaveLength(1);
      const e = events[0];
      expect(e['@timestamp']).toBe('2025-11-28T16:02:27.495Z');
      expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'opa', decision: 'pass', correlation_ids: ['xrid:1b07886b-9d46-4a9a-b3ba-3d24b1baec94'] });
      expect(e.rule?.id).toBe('envoy/authz/allow');
      expect(e.source?.ip).toBe('127.0.0.1');
      expect(e.http?.request).toEqual({ id: '1b07886b-9d46-4a9a-b3ba-3d24b1baec94', method: 'GET' });
      expect(e.denytrace.evidence).toContain('envoy stream id 14364395182449484694');
      if (file.includes('xlayer')) expect(skips).toBe(lines.length - 1); // OPA's server log lines (and a trailing blank)
    }
  });
});

describe('OPA denials', () => {
  const base = { decision_id: 'd-1', path: 'envoy/authz/allow', timestamp: '2024-03-12T14:05:00.123456789Z', input: { attributes: { request: { http: { method: 'DELETE', path: '/orders/7', headers: { 'x-request-id': 'rid-0000-0001' } } } } } };

  it('result false, and result objects with allowed/allow false, are denies', () => {
    expect(one(opaDecisionFormat, JSON.stringify({ ...base, result: false })).denytrace.decision).toBe('deny');
    const obj = one(opaDecisionFormat, JSON.stringify({ ...base, result: { allowed: false, http_status: 403, headers: {} } }));
    expect(obj.denytrace.decision).toBe('deny');
    expect(obj.http?.response?.status_code).toBe(403);
    expect(one(opaDecisionFormat, JSON.stringify({ ...base, result: { allow: false } })).denytrace.decision).toBe('deny');
    expect(one(opaDecisionFormat, JSON.stringify({ ...base, result: { allow: true } })).denytrace.decision).toBe('pass');
    expect(one(opaDecisionFormat, JSON.stringify({ ...base, result: ['a'] })).denytrace.decision).toBe('unknown');
    const e = one(opaDecisionFormat, JSON.stringify({ ...base, result: false }));
    expect(e['@timestamp']).toBe('2024-03-12T14:05:00.123Z');
    expect(e.event).toMatchObject({ action: 'deny', outcome: 'failure' });
    expect(e.denytrace.correlation_ids).toEqual(['xrid:rid-0000-0001']);
  });

  it('malformed input is a counted reject', () => {
    const r = parseAll(opaDecisionFormat, ['{"decision_id":', 'plain text', JSON.stringify({ path: 'x', result: true }), JSON.stringify({ decision_id: 'd', result: true, timestamp: 'soon' })]);
    expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_json', 'invalid_json', 'missing_field', 'invalid_timestamp']);
  });
});
