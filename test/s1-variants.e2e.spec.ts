import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingestAndDecide, S1, S1_LOGS, s1Truth, score } from './s1-helpers';

/**
 * Scenario s1 with two layers logging in other common shapes, as other deployments do: nginx with a
 * JSON `log_format … escape=json` (keys named after the variables), and the application with a
 * nested audit record (`http.*`, `authz.*`, `user.*`) carrying the trace as a 32-hex W3C trace id. No option is given: detection and the common
 * field names must carry it. The right values stay those of s1's truth.
 */
const lines = (file: string) => gunzipSync(readFileSync(join(S1, file))).toString('utf8').split('\n').filter(Boolean);

/** `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rid=… cfid="…" trace="…" ups=… rt=…` → JSON. */
function nginxToJson(line: string): string {
  const m = /^(\S+) - (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" rid=(\S+) cfid="([^"]*)" trace="([^"]*)" ups=(\S+) rt=(\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected s1 nginx line: ${line.slice(0, 120)}`);
  const [, addr, user, time, request, status, bytes, referer, ua, rid, cfid, trace, ups, rt] = m;
  return JSON.stringify({
    time_local: time, remote_addr: addr, remote_user: user === '-' ? '' : user, request, status: Number(status), body_bytes_sent: Number(bytes),
    http_referer: referer === '-' ? '' : referer, http_user_agent: ua, request_id: rid, http_x_amz_cf_id: cfid, http_x_amzn_trace_id: trace,
    upstream_status: ups === '-' ? '' : ups, request_time: Number(rt),
  });
}

/** The flat s1 app record → a nested one, its X-Ray Root logged as the W3C trace id OpenTelemetry's X-Ray propagator makes of it. */
function appToNested(line: string): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({
    '@timestamp': r.ts, level: r.level,
    service: { name: r.service, version: r.version },
    http: { request: { id: r.request_id, method: r.method }, url: { path: r.path }, response: { status_code: r.status } },
    trace: { id: String(r.trace_id).replace(/^1-([0-9a-f]{8})-([0-9a-f]{24})$/, '$1$2') },
    user: { id: r.principal, roles: r.roles }, tenant: r.tenant,
    authz: { permission: r.permission, decision: r.decision, policy: r.policy },
  });
}

describe('scenario s1 with nginx JSON and a nested app audit log', () => {
  let tmp: string;
  let run: Awaited<ReturnType<typeof ingestAndDecide>>;
  const truth = s1Truth();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'denytrace-variants-'));
    writeFileSync(join(tmp, 'nginx.json.log'), `${lines('nginx.log.gz').map(nginxToJson).join('\n')}\n`);
    writeFileSync(join(tmp, 'app.nested.log'), `${lines('app.log.gz').map(appToNested).join('\n')}\n`);
    const others = S1_LOGS.filter((f) => f !== 'nginx.log.gz' && f !== 'app.log.gz').map((f) => join(S1, f));
    run = await ingestAndDecide([...others, join(tmp, 'nginx.json.log'), join(tmp, 'app.nested.log')]);
  });
  afterAll(async () => {
    await run?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('detects both shapes and reads every line', () => {
    const byName = Object.fromEntries(run.results.map((r) => [r.file.split('/').pop(), 'summary' in r ? r.summary : r]));
    expect(byName['nginx.json.log']).toMatchObject({ format: 'nginx', rejected: 0, records: lines('nginx.log.gz').length });
    expect(byName['app.nested.log']).toMatchObject({ format: 'app-json', rejected: 0, records: lines('app.log.gz').length });
  });

  it('names the emitting layer, component and decisive rule of ≥ 99% of the labelled 403s', () => {
    const s = score(truth, run.byCfId, 's1/json+nested');
    expect(s.layerRule).toBeGreaterThanOrEqual(0.99);
    expect(s.component).toBeGreaterThanOrEqual(0.99);
    expect(run.verdicts.filter((v) => v.status === 403).length).toBe(truth.length);
  });
});
