import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { DenyEvent } from '@denytrace/schema';
import { appJsonFormat } from './app-json.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const ev = (o: ParseOutcome): DenyEvent => {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
};

describe('app JSON audit parser', () => {
  it('C05: a leading BOM does not cost line 1; nested authz fields and escaped quotes decode', () => {
    const buf = fs.readFileSync(path.join(SHARED, 'cases/C05.jsonl'));
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const expected = JSON.parse(fs.readFileSync(path.join(SHARED, 'cases/C05.expected.json'), 'utf8'));
    const p = appJsonFormat.createParser({ sourceName: 'C05.jsonl' });
    const out = lines(buf.toString('utf8')).map((l, i) => p.parse(l, i + 1)); // the BOM is left in on purpose
    expect(out.filter((o) => o.kind === 'reject')).toEqual(expected.rejected);
    for (const r of expected.records) {
      const e = ev(out[r.line - 1]);
      expect(e['@timestamp']).toBe(r.timestamp);
      expect(e.http?.response?.status_code).toBe(r.status);
      expect(e.http?.request?.id).toBe(r.request_id);
      if (r.service) expect(e.service?.name).toBe(r.service);
      if (r.method) expect(e.http?.request?.method).toBe(r.method);
      if (r.path) expect(e.url?.path).toBe(r.path);
      if (r.rule) expect(e.rule?.id).toBe(r.rule);
      if (r.reason) expect(e.rule?.description).toBe(r.reason);
      if (r.trace_id) {
        expect(e.trace?.id).toBe(r.trace_id);
        expect(e.denytrace.correlation_ids).toContain(`trace:${r.trace_id}`);
      }
      if (r.first_key) expect(Object.keys(JSON.parse(e.event.original!))[0]).toBe(r.first_key);
    }
    const first = ev(out[0]);
    expect(first.denytrace.decision).toBe('deny'); // no decision field, status 403: the app answered itself
    expect(first.denytrace).toMatchObject({ layer: 'app', component: 'app', hop: 60, source_file: 'C05.jsonl', line: 1, match_key: 'DELETE /api/orders/981 ' });
    expect(first.observer).toEqual({ type: 'app', vendor: 'orders-api', product: 'orders-api' });
    expect(ev(out[1]).denytrace.decision).toBe('pass');
  });

  it('s1: the app refusals of truth/ are denies with their policy, principal and ids', () => {
    const input = lines(zlib.gunzipSync(fs.readFileSync(path.join(SHARED, 'scenarios/s1/app.log.gz'))).toString('utf8'));
    const truth = lines(fs.readFileSync(path.join(SHARED, 'scenarios/s1/truth/requests.jsonl'), 'utf8'))
      .map((l) => JSON.parse(l) as Record<string, any>)
      .filter((t) => t.emitter_component === 'app');
    const p = appJsonFormat.createParser({});
    const events = input.map((l, i) => ev(p.parse(l, i + 1)));
    expect(events).toHaveLength(39016); // summary.json
    const denies = events.filter((e) => e.denytrace.decision === 'deny');
    expect(denies).toHaveLength(truth.length);
    const byRid = new Map(denies.map((e) => [e.http?.request?.id, e]));
    for (const t of truth) {
      const e = byRid.get(t.ids.app_request_id)!;
      expect(e.rule).toMatchObject({ id: t.rule_id, name: t.rule_name, ruleset: t.ruleset });
      expect(e.event.action).toBe('deny');
      expect(e.user?.id).toBe(t.principal);
      expect(e.user?.roles).toEqual(t.roles);
      expect(e.organization?.id).toBe(t.tenant);
      expect(e.denytrace.permission).toBe(t.permission);
      expect(e.service?.name).toBe(t.service);
      expect(e.http?.request?.method).toBe(t.method);
      expect(e.url?.path).toBe(t.path);
      expect(e.denytrace.correlation_ids).toEqual(expect.arrayContaining([`xrid:${t.ids.nginx_request_id}`, `xray:${t.ids.alb_trace_root}`]));
    }
  });

  it('reads decision words, booleans and epoch times; appFieldMap reaches unusual shapes', () => {
    const p = appJsonFormat.createParser({});
    const a = ev(p.parse(JSON.stringify({ timestamp: 1710252000, request: { method: 'POST', url: 'https://api.example.com/v1/x?y=1' }, authz: { allowed: false, policy: 'p1', reason: 'no' }, user: { id: 'u1', roles: ['r'] }, org_id: 'o1', cf_ray: '8a1b2c3d4e5f6a7b-AMS', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), 1));
    expect(a['@timestamp']).toBe('2024-03-12T14:00:00.000Z');
    expect(a.denytrace.decision).toBe('deny');
    expect(a.event.action).toBe('deny');
    expect(a.url).toEqual({ domain: 'api.example.com', path: '/v1/x', query: 'y=1' });
    expect(a.user).toEqual({ id: 'u1', roles: ['r'] });
    expect(a.organization?.id).toBe('o1');
    expect(a.rule).toMatchObject({ id: 'p1', description: 'no', ruleset: 'app' });
    expect(a.trace?.id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(a.denytrace.correlation_ids).toEqual(expect.arrayContaining(['cfray:8a1b2c3d4e5f6a7b', 'trace:0af7651916cd43dd8448eb211c80319c']));
    const b = ev(p.parse('{"ts":1710252000123,"method":"GET","path":"/a","status":403,"decision":"permit"}', 2));
    expect(b['@timestamp']).toBe('2024-03-12T14:00:00.123Z');
    expect(b.denytrace.decision).toBe('pass'); // the app said permit: a 403 here came from elsewhere
    expect(b.event.action).toBe('allow');

    const mapped = appJsonFormat.createParser({ appFieldMap: { '@timestamp': 'meta.when', 'user.id': 'who.login', 'http.response.status_code': 'res.code', 'rule.id': 'checks.0' } });
    const c = ev(mapped.parse('{"meta":{"when":"2024-03-12T14:00:00Z"},"who":{"login":"ann"},"res":{"code":"403"},"checks":{"0":"deny-all"},"method":"GET","path":"/b"}', 3));
    expect(c['@timestamp']).toBe('2024-03-12T14:00:00.000Z');
    expect(c.user?.id).toBe('ann');
    expect(c.http?.response?.status_code).toBe(403);
    expect(c.rule?.id).toBe('deny-all');
    expect(c.denytrace.decision).toBe('deny');
  });

  it('rejects with clear reasons', () => {
    const p = appJsonFormat.createParser({});
    expect(p.parse('not json', 1)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(p.parse('[1,2]', 2)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(p.parse('"str"', 3)).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(p.parse('{"method":"GET","status":403}', 4)).toMatchObject({ kind: 'reject', reason: 'missing_field' });
    expect(p.parse('{"ts":"yesterday","status":403}', 5)).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(p.parse('\ufeff', 6)).toEqual({ kind: 'skip' });
  });

  it('returns on 200 KB lines and deep nesting', () => {
    const p = appJsonFormat.createParser({});
    for (const l of [
      '{"ts":"2024-03-12T14:00:00Z","a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}',
      '{"ts":"2024-03-12T14:00:00Z","http":' + '{"http":'.repeat(20_000) + '1' + '}'.repeat(20_000) + '}',
      '{"ts":"2024-03-12T14:00:00Z","path":"' + '\\"'.repeat(100_000) + '"}',
      '{'.repeat(200_000),
    ]) expect(['event', 'reject', 'skip']).toContain(p.parse(l, 1).kind);
  });
});
