import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { nginxFormat } from './nginx-access.parser';
import type { ParseOutcome } from './parser';
import { parseTraefikLine, traefikFormat } from './traefik.parser';
import { parseIsoTime, parseNginxTimeLocal } from './util/time-parse';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const JSON_LOG = 'corpus/traefik/crowdsec-traefik_json.log';
const CLF_LOG = 'corpus/traefik/crowdsec-traefik_clf.log';

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}
type Derived = { index: number; Success: boolean; Parsed?: Record<string, string>; Meta?: Record<string, string> };
const derived = (p: string): Derived[] => (JSON.parse(read(p)) as { records: Derived[] }).records;

describe('traefikFormat', () => {
  it('detects both corpus files, CLF with a higher score than nginx combined', () => {
    expect(traefikFormat.detect(read(JSON_LOG).split('\n'))).toBe(1);
    const clf = read(CLF_LOG).split('\n');
    expect(traefikFormat.detect(clf)).toBe(1);
    expect(nginxFormat.detect(clf)).toBeLessThan(1);
    expect(traefikFormat.detect(read('corpus/nginx/crowdsec-nginx_http-logs.log').split('\n'))).toBe(0);
    expect(traefikFormat.dataset).toBe('traefik.access');
  });
});

describe.each([
  ['JSON', JSON_LOG, 'corpus/traefik/crowdsec-traefik_json.s01-parse.derived.json'],
  ['CLF', CLF_LOG, 'corpus/traefik/crowdsec-traefik_clf.s01-parse.derived.json'],
])('corpus %s file against CrowdSec traefik-logs expectations', (_, file, derivedFile) => {
  const input = read(file).split('\n');
  const outcomes = input.map((l, i) => parseTraefikLine(l, i + 1));

  it('no record rejected (the plugin DEBUG line and blank lines are skipped)', () => {
    expect(outcomes.filter((o) => o.kind === 'reject')).toEqual([]);
  });

  // index = position among lines that reached CrowdSec's parser = the line; failures are the non-access lines.
  it.each(derived(derivedFile).map((r) => [r.index, r] as const))('record %i matches field by field', (i, r) => {
    const o = outcomes[i];
    if (!r.Success) {
      expect(o.kind).toBe('skip');
      return;
    }
    const p = r.Parsed!;
    const e = ev(o);
    expect(e.source?.ip).toBe(p.remote_addr);
    expect(e.http?.request?.method).toBe(p.verb);
    expect(e.url?.path + (e.url?.query ? `?${e.url.query}` : '')).toBe(p.request);
    expect(e.http?.version).toBe(p.http_version);
    expect(e.http?.response?.status_code).toBe(p.status === '-' ? undefined : Number(p.status));
    expect(e.http?.response?.bytes).toBe(p.body_bytes_sent === '-' ? undefined : Number(p.body_bytes_sent));
    expect(e.user_agent?.original).toBe(p.http_user_agent === '-' ? undefined : p.http_user_agent);
    expect(e.denytrace.extra_fields?.RouterName).toBe(p.traefik_router_name === '-' ? undefined : p.traefik_router_name);
    const t = p.time_local.includes('/') ? parseNginxTimeLocal(p.time_local) : parseIsoTime(p.time_local);
    // CrowdSec keeps `time` (seconds); we read StartUTC (ns, truncated to ms): same second.
    expect(Math.floor(Date.parse(e['@timestamp']) / 1000)).toBe(t!.ms / 1000);
    if (p.request_addr) expect(e.url?.domain).toBe(p.request_addr);
    if (p.traefik_server_url) expect(e.denytrace.extra_fields?.ServiceURL).toBe(p.traefik_server_url === '-' ? undefined : p.traefik_server_url);
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'traefik', hop: HOP.proxy });
  });
});

describe('refusals: OriginStatus 0 means Traefik or a middleware answered', () => {
  // Field names from the Traefik access-log reference (JSON format, request_ header fields kept).
  const base = {
    ClientAddr: '192.0.2.10:50000', ClientHost: '192.0.2.10', ClientPort: '50000', ClientUsername: '-', DownstreamContentSize: 9,
    Duration: 120000, OriginContentSize: 0, OriginDuration: 0, RequestAddr: 'api.example.com', RequestHost: 'api.example.com',
    RequestMethod: 'GET', RequestPath: '/admin?x=1', RequestProtocol: 'HTTP/1.1', RequestScheme: 'https', RouterName: 'admin@docker',
    ServiceName: 'admin@docker', StartUTC: '2024-03-12T14:02:11.482913Z', entryPointName: 'websecure', level: 'info', msg: '',
    'request_User-Agent': 'curl/8.5.0', 'request_X-Request-Id': '6f1d1a2e-9a1c-4c58-8f62-1f9e7b0f3a11', time: '2024-03-12T14:02:11Z',
  };

  it('a middleware 403 (OriginStatus 0): deny, rule = the router, ruleset = the entry point', () => {
    const e = ev(parseTraefikLine(JSON.stringify({ ...base, DownstreamStatus: 403, OriginStatus: 0 }), 1));
    expect(e['@timestamp']).toBe('2024-03-12T14:02:11.482Z');
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.rule).toEqual({ id: 'admin@docker', name: 'router admin@docker: Traefik or a middleware answered 403', ruleset: 'websecure' });
    expect(e.denytrace.correlation_ids).toEqual(['xrid:6f1d1a2e-9a1c-4c58-8f62-1f9e7b0f3a11']);
    expect(e.url).toMatchObject({ domain: 'api.example.com', path: '/admin', query: 'x=1', scheme: 'https' });
  });

  it('the service said 403 (OriginStatus 403): passed through', () => {
    const e = ev(parseTraefikLine(JSON.stringify({ ...base, DownstreamStatus: 403, OriginStatus: 403 }), 1));
    expect(e.denytrace.decision).toBe('pass');
    expect(e.denytrace.upstream_status).toBe(403);
    expect(e.rule).toBeUndefined();
  });

  it('CLF: a 403 with no service URL is Traefik\'s own', () => {
    const line = '192.0.2.10 - - [12/Mar/2024:14:02:11 +0000] "GET /admin HTTP/1.1" 403 9 "-" "curl/8.5.0" 17 "admin@docker" "-" 0ms';
    const e = ev(parseTraefikLine(line, 1));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule?.id).toBe('admin@docker');
  });

  it('unknown keys are kept in extra_fields', () => {
    const e = ev(parseTraefikLine(JSON.stringify({ ...base, DownstreamStatus: 200, OriginStatus: 200, 'origin_X-Custom': 'v' }), 1));
    expect(e.denytrace.extra_fields).toMatchObject({ 'origin_X-Custom': 'v', RouterName: 'admin@docker' });
  });
});

describe('malformed input is a counted rejection', () => {
  it.each([
    ['{"DownstreamStatus":', 'invalid_json'],
    ['{"foo":"bar"}', 'missing_field'],
    ['this is not an access line', 'no_match'],
    ['{"DownstreamStatus":403,"RequestMethod":"GET","StartUTC":"nope"}', 'invalid_timestamp'],
  ])('%s → %s', (line, reason) => {
    expect(parseTraefikLine(line, 1)).toMatchObject({ kind: 'reject', reason });
  });

  it('Traefik\'s own log lines are skipped', () => {
    expect(parseTraefikLine('time="2024-03-12T14:02:11Z" level=info msg="Configuration loaded"', 1)).toEqual({ kind: 'skip' });
    expect(parseTraefikLine('{"level":"info","msg":"Starting provider","time":"2024-03-12T14:02:11Z"}', 1)).toEqual({ kind: 'skip' });
  });
});
