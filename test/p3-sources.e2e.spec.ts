import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PathResult } from '@denytrace/ingest';
import type { Verdict } from '@denytrace/schema';
import { ingestAndDecide } from './s1-helpers';
import { sharedPath } from './shared-paths';

/**
 * Service mesh, policy engine, WAF engine and Kubernetes sources through the real pipeline (ingest →
 * store → correlate → verdict): each a small refusal, and the verdict names layer, component and rule.
 */
const corpus = (...p: string[]) => readFileSync(sharedPath('corpus', ...p), 'utf8');

describe('new sources end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-p3-'));
  let verdicts: Verdict[] = [];
  let results: PathResult[] = [];
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    // Envoy + OPA: the real allow pair of corpus/xlayer-envoy-opa turned into a deny by hand: Envoy
    // answered 403 with flag UAEX and never reached the upstream ("-"); OPA's decision is false.
    const access = corpus('xlayer-envoy-opa', 'envoy-debug-and-access.log').split('\n').find((l) => l.startsWith('[2025-11-28T'))!;
    const denied = access.replace('" 200 - 0 1641 39 23 ', '" 403 UAEX 0 0 3 - ').replace('"127.0.0.1:80"', '"-"');
    expect(denied).toContain('403 UAEX');
    const decision = JSON.parse(corpus('opa-decision', 'kanywst-opa-envoy-decision-log.ndjson').trim());
    decision.result = false;
    writeFileSync(join(dir, 'envoy.log'), `${denied}\n`);
    writeFileSync(join(dir, 'opa.ndjson'), `${JSON.stringify(decision)}\n`);

    // Kubernetes: the two stages of one forbidden request (RBAC), sharing the auditID.
    const stage = (s: string, extra: object) => JSON.stringify({
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: '0ae79d4b-aaaa-4bbb-8ccc-dddd00001111', stage: s, requestURI: '/api/v1/namespaces/prod/secrets',
      verb: 'list', user: { username: 'system:serviceaccount:ci:deployer' }, sourceIPs: ['10.1.2.3'], userAgent: 'kubectl/v1.29.0', objectRef: { resource: 'secrets', namespace: 'prod' },
      requestReceivedTimestamp: '2025-11-28T16:10:00.000000Z', stageTimestamp: '2025-11-28T16:10:00.004000Z', ...extra,
    });
    writeFileSync(join(dir, 'audit.log'), [
      stage('RequestReceived', { annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' } }),
      stage('ResponseComplete', { responseStatus: { code: 403, reason: 'Forbidden', message: 'secrets is forbidden: User "system:serviceaccount:ci:deployer" cannot list resource "secrets" in API group "" in the namespace "prod"' }, annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' } }),
    ].join('\n') + '\n');

    // Coraza: a warning then the blocking evaluation of the same transaction (Coraza's ErrorLog shapes).
    const coraza = (level: string, head: string, id: string, msg: string) => JSON.stringify({ level, ts: 1764346200.25, logger: 'http.handlers.waf', msg: `[client "198.51.100.23"] Coraza: ${head} ${msg} [file "@owasp_crs/x.conf"] [line "1"] [id "${id}"] [msg "${msg}"] [severity "critical"] [ver "OWASP_CRS/4.0.0"] [hostname "shop.example.com"] [uri "/search?q=%27or%201=1"] [unique_id "QwErTyUiOpAsDfGh"]` });
    writeFileSync(join(dir, 'caddy-waf.log'), [coraza('error', 'Warning.', '942100', 'SQL Injection Attack Detected via libinjection'), coraza('error', 'Access denied (phase 2).', '949110', 'Inbound Anomaly Score Exceeded (Total Score: 5)')].join('\n') + '\n');

    // ModSecurity error log: the CRS 4 transaction of the corpus file, re-dated (one time span keeps the
    // re-decision windows few); open-appsec: the corpus's first Prevent record, re-dated.
    const modsec = corpus('modsecurity', 'crowdsec-modsecurity-logs.log').split('\n').filter((l) => l.includes('ZmwR5AebAO5-Tfs4FnXWuwAAigg'));
    writeFileSync(join(dir, 'apache-error.log'), modsec.map((l) => l.replace('Fri Jun 14 04:48:20', 'Fri Nov 28 16:20:00').replace(' 2024]', ' 2025]')).join('\n') + '\n');
    const appsec = JSON.parse(corpus('openappsec-waf', 'crowdsec-openappsec.log').split('\n')[0]);
    appsec.eventTime = '2025-11-28T16:30:00.000';
    writeFileSync(join(dir, 'appsec.log'), `${JSON.stringify(appsec)}\n`);

    const run = await ingestAndDecide([
      join(dir, 'envoy.log'), join(dir, 'opa.ndjson'), join(dir, 'audit.log'), join(dir, 'caddy-waf.log'),
      join(dir, 'apache-error.log'), join(dir, 'appsec.log'),
    ]);
    verdicts = run.verdicts;
    results = run.results;
    close = run.close;
  });

  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const byId = (id: string): Verdict[] => verdicts.filter((v) => v.correlation_ids.includes(id));

  it('recognises every file, rejects nothing', () => {
    const summaries = results.map((r) => ('summary' in r ? r.summary : undefined));
    expect(summaries.map((s) => s?.format)).toEqual(['envoy', 'opa-decision', 'k8s-audit', 'coraza', 'modsecurity', 'open-appsec']);
    expect(summaries.map((s) => s?.rejected)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('Envoy ext_authz 403 + OPA deny: one verdict, the gateway (envoy) emitted, OPA\'s policy decided', () => {
    const vs = byId('xrid:1b07886b-9d46-4a9a-b3ba-3d24b1baec94');
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ emitting_layer: 'gateway', emitter: { component: 'envoy' }, decisive_rule: { id: 'envoy/authz/allow', ruleset: 'opa' }, status: 403 });
    expect(vs[0].events).toHaveLength(2);
  });

  it('Kubernetes audit stages of one request: one verdict, app (kubernetes), RBAC authorization', () => {
    const vs = byId('audit:0ae79d4b-aaaa-4bbb-8ccc-dddd00001111');
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ emitting_layer: 'app', emitter: { component: 'kubernetes' }, decisive_rule: { id: 'authorization/forbid', ruleset: 'kubernetes-authorization' } });
    expect(vs[0].events).toHaveLength(2);
    expect(vs[0].flags).toEqual([]);
  });

  it('Coraza: waf (coraza), 949110 decides', () => {
    const vs = byId('waftx:QwErTyUiOpAsDfGh');
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ emitting_layer: 'waf', emitter: { component: 'coraza' }, decisive_rule: { id: '949110', ruleset: 'OWASP_CRS/4.0.0' } });
  });

  it('ModSecurity error log: the lines of one transaction make one verdict, waf (modsecurity), 949110', () => {
    const vs = byId('waftx:ZmwR5AebAO5-Tfs4FnXWuwAAigg');
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ emitting_layer: 'waf', emitter: { component: 'modsecurity' }, decisive_rule: { id: '949110', ruleset: 'OWASP_CRS/4.0.0' }, status: 403 });
    expect(vs[0].events).toHaveLength(3);
  });

  it('open-appsec Prevent: waf (open-appsec), the practice decides', () => {
    const vs = byId('waftx:bfa7ea1d-b544-417c-a327-7ced8dcc5305');
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ emitting_layer: 'waf', emitter: { component: 'open-appsec' }, decisive_rule: { id: 'local_policy/webapp-default-practice' } });
  });
});
