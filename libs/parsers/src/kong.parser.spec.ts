import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { kongFormat, parseKongRecord } from './kong.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const CORPUS = 'corpus/kong/kong-docs-log-format-sample.json';
const text = readFileSync(path.join(SHARED, CORPUS), 'utf8');
const sample = JSON.parse(text) as Record<string, any>;

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}
/** Runs a parser over the lines of a text the way ingest does; returns the non-skip outcomes. */
function run(input: string): ParseOutcome[] {
  const p = kongFormat.createParser({});
  return input.split('\n').map((l, i) => p.parse(l, i + 1)).filter((o) => o.kind !== 'skip');
}
/** The docs sample turned into a refusal Kong answered itself (no upstream), one line. */
function refusal(status: number, headers: Record<string, string> = {}): string {
  const r = structuredClone(sample);
  r.response.status = status;
  r.response.headers = { 'content-type': 'application/json; charset=utf-8', 'x-kong-request-id': r.request.id, ...headers };
  r.source = 'kong';
  delete r.upstream_status;
  r.tries = [];
  r.consumer = { id: '0a6e3f5d-2f44-4b48-bfd7-ffe1b2c6e3a1', username: 'partner-app' };
  return JSON.stringify(r);
}

describe('kongFormat', () => {
  it('detects the pretty-printed docs sample and the same record on one line', () => {
    expect(kongFormat.detect(text.split('\n').slice(0, 20))).toBe(1);
    expect(kongFormat.detect([JSON.stringify(sample)])).toBe(1);
    expect(kongFormat.detect(['{"ts":"2024-03-12T14:00:00Z","request_id":"r1","decision":"deny"}'])).toBe(0);
    expect(kongFormat.dataset).toBe('kong.access');
  });

  it('corpus: the docs sample (pretty JSON over 97 lines) is one record, none rejected', () => {
    const out = run(text);
    expect(out).toHaveLength(1);
    const e = ev(out[0]);
    expect(e['@timestamp']).toBe('2024-09-19T22:10:39.538Z'); // started_at 1726783839538 ms
    expect(e.http?.request?.id).toBe('2f6946328ffc4946b8c9120704a4a155');
    expect(e.denytrace.correlation_ids).toEqual(['xrid:2f6946328ffc4946b8c9120704a4a155']);
    expect(e.source?.ip).toBe('192.168.65.1');
    expect(e.url).toEqual({ scheme: 'http', domain: 'localhost', port: 8000, path: '/example-route' });
    expect(e.http?.response).toEqual({ status_code: 200, bytes: 9982 });
    expect(e.user_agent?.original).toBe('HTTPie/3.2.3');
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'kong', hop: HOP.proxy, decision: 'pass', upstream_status: 200 });
    expect(e.denytrace.evidence).toContain('route=example_route');
    expect(e.denytrace.evidence).toContain('service=example_service');
  });

  it('the same record on one line parses to the same fields', () => {
    const [one] = run(JSON.stringify(sample));
    const [pretty] = run(text);
    expect({ ...ev(one).denytrace, line: 0 }).toEqual({ ...ev(pretty).denytrace, line: 0 });
  });
});

describe('refusals: source "kong" means Kong answered itself (kong.response.get_source)', () => {
  it('a 403 from a plugin: deny, no upstream; the plugin is not named by the log', () => {
    const e = ev(parseKongRecord(refusal(403), 1));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.rule).toBeUndefined();
    expect(e.user?.name).toBe('partner-app');
    expect(e.event).toMatchObject({ action: 'deny', outcome: 'failure' });
  });

  it('429 with RateLimit headers names the rate-limiting plugin (headers from its docs)', () => {
    const e = ev(parseKongRecord(refusal(429, { 'ratelimit-limit': '5', 'ratelimit-remaining': '0', 'ratelimit-reset': '41', 'retry-after': '41' }), 1));
    expect(e.rule).toEqual({ id: 'rate-limiting', name: 'rate-limiting plugin (RateLimit headers on the 429)', ruleset: 'example_route' });
  });

  it('401 with WWW-Authenticate: Key names key-auth', () => {
    expect(ev(parseKongRecord(refusal(401, { 'www-authenticate': 'Key realm="kong"' }), 1)).rule?.id).toBe('key-auth');
  });

  it('404 with no route matched is Kong\'s router', () => {
    const r = JSON.parse(refusal(404));
    delete r.route;
    delete r.service;
    expect(ev(parseKongRecord(JSON.stringify(r), 1)).rule?.id).toBe('no-route-matched');
  });

  it('a 403 from the service: pass with upstream_status (last of a retried list)', () => {
    const r = structuredClone(sample);
    r.response.status = 403;
    r.upstream_status = '502, 403';
    const e = ev(parseKongRecord(JSON.stringify(r), 1));
    expect(e.denytrace.decision).toBe('pass');
    expect(e.denytrace.upstream_status).toBe(403);
  });

  it('ids in request headers are kept; unknown top-level keys go to extra_fields', () => {
    const r = structuredClone(sample);
    r.request.headers['x-amzn-trace-id'] = 'Root=1-65f06c68-d8a2c4bcc5867a949c10a32d';
    r.request.headers['x-request-id'] = 'client-req-0001';
    r.custom_field = 'abc';
    const e = ev(parseKongRecord(JSON.stringify(r), 1));
    expect(e.denytrace.correlation_ids).toEqual(['xrid:2f6946328ffc4946b8c9120704a4a155', 'xrid:client-req-0001', 'xray:1-65f06c68-d8a2c4bcc5867a949c10a32d']);
    expect(e.denytrace.extra_fields).toEqual({ custom_field: 'abc' });
  });
});

describe('malformed input is a counted rejection', () => {
  it('bad JSON, a record that is not Kong\'s, a missing started_at', () => {
    expect(run('{"request": nope}')).toEqual([expect.objectContaining({ kind: 'reject', reason: 'invalid_json' })]);
    expect(run('{"request":{},"response":{}}')).toEqual([expect.objectContaining({ kind: 'reject', reason: 'missing_field' })]);
    expect(run('{"a":1}')).toEqual([expect.objectContaining({ kind: 'reject', reason: 'missing_field' })]);
  });

  it('a pretty record never closed before the next one starts is rejected, the next one read', () => {
    const cut = text.split('\n').slice(0, 10).join('\n');
    const out = run(`${cut}\n${text}`);
    expect(out.map((o) => o.kind)).toEqual(['reject', 'event']);
    expect(out[0]).toMatchObject({ reason: 'invalid_json' });
  });
});
