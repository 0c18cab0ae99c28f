import { HOP } from '@denytrace/schema';
import { k8sAuditFormat } from './k8s-audit.parser';
import { one, parseAll, sharedLines } from './testing/corpus';

describe('k8sAuditFormat over the corpus', () => {
  it.each(['corpus/k8s-audit/elastic-test-audit.log', 'corpus/k8s-audit/crowdsec-k8s-audit-pod-exec.log'])('%s: detected, every record parsed', (file) => {
    const lines = sharedLines(file);
    expect(k8sAuditFormat.detect(lines.filter((l) => l.trim()))).toBeGreaterThan(0.5);
    const { events, rejects } = parseAll(k8sAuditFormat, lines);
    expect(rejects).toEqual([]);
    expect(events).toHaveLength(lines.filter((l) => l.trim()).length);
    for (const e of events) expect(e.denytrace).toMatchObject({ layer: 'app', component: 'kubernetes', hop: HOP.app, decision: 'pass' });
  });

  it('reads the plain Event, the GKE LogEntry and the AKS envelope (values checked against the file by hand)', () => {
    const lines = sharedLines('corpus/k8s-audit/elastic-test-audit.log').filter((l) => l.trim());
    const [plain, , , gke, aks] = parseAll(k8sAuditFormat, lines).events;
    const src = lines.map((l) => JSON.parse(l));
    expect(plain['@timestamp']).toBe('2025-03-04T06:22:18.819Z');
    expect(plain.user).toEqual({ id: src[0].user.username, name: src[0].user.username, roles: src[0].user.groups });
    expect(plain.source?.ip).toBe('67.43.156.1');
    expect(plain.http?.request).toEqual({ id: 'abcde12345', method: 'GET' });
    expect(plain.url?.path).toBe('/api/v1/namespaces/default/pods');
    expect(plain.denytrace.correlation_ids).toEqual(['audit:abcde12345']);
    expect(plain.denytrace.permission).toBe('get pods');
    expect(gke['@timestamp']).toBe('2025-07-13T08:38:39.127Z');
    expect(gke.user?.id).toBe('system:gke-master-healthcheck');
    expect(gke.http?.response?.status_code).toBe(200);
    expect(gke.observer.name).toBe('test-cluster');
    expect(aks['@timestamp']).toBe('2025-09-30T06:23:35.091Z');
    expect(aks.denytrace.permission).toBe('update leases');
    expect(aks.observer.name).toBe('test-aks');
  });
});

describe('Kubernetes refusals', () => {
  // Typed from the RequestReceived/ResponseComplete pair described in corpus/k8s-audit/SOURCE.md (the
  // audit.k8s.io/v1 Event reference: https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/).
  const stage = (s: string, extra: object) => JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: '0ae79d4b-1111-4222-8333-444455556666', stage: s,
    requestURI: '/', verb: 'head', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['10.0.0.7'], userAgent: 'curl/8.0',
    requestReceivedTimestamp: '2023-03-02T10:00:00.123456Z', stageTimestamp: '2023-03-02T10:00:00.130000Z', ...extra,
  });
  const received = stage('RequestReceived', {});
  const complete = stage('ResponseComplete', {
    responseStatus: { metadata: {}, status: 'Failure', message: 'forbidden: User "system:anonymous" cannot head path "/"', reason: 'Forbidden', details: {}, code: 403 },
    annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
  });

  it('RBAC forbid: deny, ruleset kubernetes-authorization; both stages share the audit id', () => {
    const r = one(k8sAuditFormat, received);
    const c = one(k8sAuditFormat, complete);
    expect(r.denytrace.decision).toBe('unknown');
    expect(c.denytrace.decision).toBe('deny');
    expect(c.rule).toEqual({ id: 'authorization/forbid', name: 'forbidden: User "system:anonymous" cannot head path "/"', ruleset: 'kubernetes-authorization', category: 'rbac' });
    expect(c.http?.response?.status_code).toBe(403);
    expect(c.http?.request?.method).toBe('HEAD');
    expect(c['@timestamp']).toBe(r['@timestamp']);
    expect(c.denytrace.correlation_ids).toEqual(r.denytrace.correlation_ids);
  });

  it('an admission webhook denial is told apart from RBAC', () => {
    // Message shape from the admission webhook docs (extensible-admission-controllers).
    const e = one(k8sAuditFormat, stage('ResponseComplete', {
      verb: 'create', requestURI: '/api/v1/namespaces/prod/pods', objectRef: { resource: 'pods', namespace: 'prod' },
      responseStatus: { code: 400, status: 'Failure', reason: 'BadRequest', message: 'admission webhook "validate.kyverno.svc-fail" denied the request: policy require-labels' },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "admin"' },
    }));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toMatchObject({ id: 'validate.kyverno.svc-fail', ruleset: 'kubernetes-admission', category: 'admission-webhook' });
    expect(e.organization?.id).toBe('prod');
  });

  it('keeps unknown keys; malformed input is a counted reject; pretty-printed events are read', () => {
    const e = one(k8sAuditFormat, stage('ResponseComplete', { responseStatus: { code: 200 }, newField: 'x' }));
    expect(e.denytrace.extra_fields).toEqual({ newField: 'x' });
    const pretty = JSON.stringify(JSON.parse(complete), null, 2).split('\n');
    const r = parseAll(k8sAuditFormat, [...pretty, '{"kind":"Event"', 'text', JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a1', requestReceivedTimestamp: 'x' })]);
    expect(r.events).toHaveLength(1);
    expect(r.events[0].denytrace.decision).toBe('deny');
    expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_json', 'invalid_json', 'invalid_timestamp']);
  });
});
