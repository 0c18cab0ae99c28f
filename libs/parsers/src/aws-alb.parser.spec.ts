import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eventId, hasRefusalMark, HOP, type DenyEvent } from '@denytrace/schema';
import { albFormat, parseAlbLine } from './aws-alb.parser';
import type { ParseOutcome } from './parser';
import { tokenizeAlb } from './util/aws-alb-tokenizer';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const lines = (p: string): string[] => read(p).split('\n').filter((l) => l !== '');
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

describe('albFormat', () => {
  it('names the format and dataset and detects ALB lines', () => {
    expect(albFormat.name).toBe('aws-alb');
    expect(albFormat.dataset).toBe('aws.elb');
    expect(albFormat.detect(lines('cases/C03.log'))).toBe(1);
    expect(albFormat.detect(['#Version: 1.0', '{"a":1}'])).toBe(0);
  });
});

describe('CrowdSec aws-alb test file and parser.assert expectations', () => {
  const input = lines('corpus/aws-alb/crowdsec-aws-alb-logs.log');
  const derived = JSON.parse(read('corpus/aws-alb/crowdsec-aws-alb-logs.s01-parse.derived.json')).records as any[];
  const parser = albFormat.createParser({ sourceName: 'crowdsec-aws-alb-logs.log' });
  const outs = input.map((l, i) => parser.parse(l, i + 1));

  it('every record CrowdSec parses is an event', () => {
    expect(derived.every((r) => r.Success)).toBe(true);
    expect(outs.map((o) => o.kind)).toEqual(input.map(() => 'event'));
  });

  it.each(derived.map((r) => [r.index, r]) as Array<[number, any]>)('record %i matches CrowdSec', (i, r) => {
    const p = r.Parsed;
    const line = input.indexOf(p.message);
    expect(line).toBeGreaterThanOrEqual(0);
    const e = ev(outs[line]);
    const dash = (v: string): string | undefined => (v === '-' || v === undefined ? undefined : v);
    expect(e.source?.ip).toBe(p.remote_addr);
    expect(e.source?.port).toBe(Number(p.remote_port));
    expect(e.destination?.ip).toBe(p.target_addr);
    expect(e.destination?.port).toBe(p.target_port ? Number(p.target_port) : undefined);
    expect(e.http?.request?.method).toBe(p.http_method);
    expect(e.http?.version).toBe(p.http_version);
    expect(e.url?.domain).toBe(p.host);
    expect(e.url?.port).toBe(Number(p.port));
    expect(e.url?.scheme).toBe(p.protocol);
    // CrowdSec's `request` is the path with its query, as logged.
    expect(e.url?.path! + (e.url?.query ? `?${e.url.query}` : '')).toBe(p.request);
    expect(e.http?.response?.status_code).toBe(Number(p.elb_status_code));
    expect(e.denytrace.upstream_status ?? undefined).toBe(dash(p.target_status_code) && Number(p.target_status_code));
    expect(e.user_agent?.original).toBe(p.http_user_agent);
    expect(e.tls?.cipher).toBe(dash(p.ssl_cipher));
    expect(e.tls?.version).toBe(dash(p.ssl_protocol));
    expect(e.observer.name).toBe(p.elb);
    expect(e.http?.request?.bytes).toBe(Number(p.received_bytes));
    expect(e.http?.response?.bytes).toBe(Number(p.sent_bytes));
    expect(e.http?.request?.id).toBe(p.trace_id.replace(/^.*Root=/, ''));
    expect(e['@timestamp']).toBe(p.time.slice(0, 23) + 'Z');
    for (const k of ['chosen_cert_arn', 'target_group_arn', 'request_creation_time', 'redirect_url', 'domain_name', 'conn_trace_id', 'transformed_host', 'request_transform_status']) {
      expect([k, e.denytrace.extra_fields?.[k]]).toEqual([k, dash(p[k])]);
    }
    // conn_trace_id is per connection: never a correlation id.
    expect(e.denytrace.correlation_ids.some((c) => c.includes('TID_'))).toBe(false);
    expect(e.denytrace.evidence).toContain(`actions_executed=${p.actions_executed}`);
    expect(e.denytrace.evidence).toContain(`matched_rule_priority=${p.matched_rule_priority}`);
  });

  it('waf,fixed-response with no target: the attached web ACL refused', () => {
    const e = ev(outs[3]);
    expect(e.denytrace).toMatchObject({ decision: 'deny', rule_type: 'waf', refused_by: { layer: 'waf', component: 'aws-waf' }, upstream_status: null });
    expect(e.rule?.id).toBe('waf');
    expect(hasRefusalMark(e)).toBe(true);
    // -1 timings are absent, not kept.
    expect(e.denytrace.extra_fields?.request_processing_time).toBeUndefined();
  });

  it('forward and redirect pass; a malformed Root gives no xray id but stays the request id', () => {
    expect(ev(outs[0]).denytrace.decision).toBe('pass');
    expect(ev(outs[0]).denytrace.correlation_ids).toEqual(['xray:1-58337262-36d228ad5d99923122bbe354']);
    expect(ev(outs[2]).denytrace.decision).toBe('pass');
    const bad = ev(outs[9]);
    expect(bad.http?.request?.id).toBe('1-5833732772bd00b0343d75b906739c42');
    expect(bad.denytrace.correlation_ids).toEqual([]);
  });

  it('a bad percent escape in the path keeps the raw text in the match key', () => {
    expect(ev(outs[3]).denytrace.match_key).toBe('GET /%%32%65%%32%65/ Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36');
  });
});

describe('C03: IPv6 client:port', () => {
  const input = lines('cases/C03.log');
  const expected = JSON.parse(read('cases/C03.expected.json'));
  const events = input.map((l, i) => ev(parseAlbLine(l, i + 1, { sourceName: 'C03.log' })));

  it.each(expected.records.map((r: any) => [r.line, r]) as Array<[number, any]>)('line %i', (lineNo, r) => {
    const e = events[lineNo - 1];
    expect(e.source?.ip).toBe(r.client_ip);
    expect(e.source?.port).toBe(r.client_port);
    if ('target_ip' in r) expect(e.destination).toEqual({ ip: r.target_ip, port: r.target_port });
    expect(e.http?.response?.status_code).toBe(r.elb_status);
    if ('target_status' in r) expect(e.denytrace.upstream_status).toBe(r.target_status);
    if ('path' in r) expect(e.url?.path).toBe(r.path);
    if ('chosen_cert_arn' in r) expect(e.denytrace.extra_fields?.chosen_cert_arn).toBe(r.chosen_cert_arn);
    expect(e.event.id).toBe(eventId('aws.elb', input[lineNo - 1]));
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'alb', hop: HOP.loadBalancer, line: lineNo, source_file: 'C03.log' });
  });

  it('both IPv6 clients count as distinct 403 sources; a passed-through 403 is not the ALB\'s', () => {
    const ips = [...new Set(events.filter((e) => e.http?.response?.status_code === 403).map((e) => e.source?.ip))];
    expect(ips).toEqual(expected.aggregates.distinct_client_ips_with_403);
    expect(events[0].denytrace.decision).toBe('pass');
  });
});

describe('C10: the 2019 field layout', () => {
  const env = lines('cases/C10.jsonl').map((l) => JSON.parse(l)).find((x) => x.source === 'aws_alb');
  const rec = JSON.parse(read('cases/C10.expected.json')).records[1];
  const e = ev(parseAlbLine(env.line, 2));

  it('reads the 27-field line: time, statuses, trace key', () => {
    expect(tokenizeAlb(env.line)).toHaveLength(27);
    // ms precision: 09:00:00.051234Z → 09:00:00.051Z
    expect(e['@timestamp']).toBe(rec.timestamp_utc.slice(0, 23) + 'Z');
    expect(e.http?.response?.status_code).toBe(rec.status);
    expect(e.denytrace.upstream_status).toBe(rec.target_status);
    expect(e.denytrace.correlation_ids).toContain(`xray:1-${rec.trace_key.slice(0, 8)}-${rec.trace_key.slice(8)}`);
    expect(Date.parse(e.denytrace.extra_fields!.request_creation_time)).toBe(Date.parse(rec.request_creation_time));
  });
});

describe('ALB decisions (access-log reference: actions_executed, error_reason)', () => {
  const base = lines('cases/C03.log')[2];
  const tok = (): string[] => tokenizeAlb(base) as string[];
  const build = (t: string[]): string => t.map((x, i) => ([12, 13, 17, 18, 19, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32].includes(i) ? `"${x}"` : x)).join(' ');
  const refused = (status: string, actions: string, prio = '5', reason = '-'): DenyEvent => {
    const t = tok();
    t[4] = '-'; t[5] = '-1'; t[6] = '-1'; t[7] = '-1'; t[8] = status; t[9] = '-';
    t[20] = prio; t[22] = actions; t[24] = reason; t[25] = '-'; t[26] = '-';
    return ev(parseAlbLine(build(t), 1));
  };

  it('fixed-response 403 is the listener rule refusing', () => {
    const e = refused('403', 'fixed-response');
    expect(e.denytrace).toMatchObject({ decision: 'deny', rule_type: 'fixed-response', upstream_status: null, evidence: 'actions_executed=fixed-response matched_rule_priority=5' });
    expect(e.rule).toEqual({ id: '5', name: 'listener rule priority 5: fixed-response', ruleset: 'app/shop-alb/0123456789abcdef' });
  });

  it('authenticate with 401 is a refusal; redirect passes', () => {
    expect(refused('401', 'authenticate').denytrace.rule_type).toBe('authenticate');
    expect(refused('301', 'redirect').denytrace.decision).toBe('pass');
  });

  it('ELB errors: deny only for refusal statuses, else unknown', () => {
    const e = refused('403', 'forward', '10', 'AuthInvalidCookie');
    expect([e.denytrace.decision, e.rule?.id]).toEqual(['deny', 'AuthInvalidCookie']);
    expect(e.denytrace.evidence).toBe('actions_executed=forward matched_rule_priority=10 error_reason=AuthInvalidCookie');
    expect(refused('502', 'forward', '10', 'TargetConnectionError').denytrace.decision).toBe('unknown');
  });

  it('extra trailing fields are tolerated and kept', () => {
    const e = ev(parseAlbLine(`${base} "future-value"`, 1));
    expect(e.denytrace.extra_fields?.field_34).toBe('future-value');
  });

  it('quoted fields may hold spaces and escaped quotes', () => {
    const t = tok();
    t[13] = 'Mozilla/5.0 \\"quoted\\" agent';
    expect(ev(parseAlbLine(build(t), 1)).user_agent?.original).toBe('Mozilla/5.0 "quoted" agent');
  });

  it('rejects short lines, other ELB logs and bad clients with a reason, line by line', () => {
    expect(parseAlbLine('https 2024-03-12T14:03:02.200300Z app/x/1 192.0.2.44:50111', 1)).toMatchObject({ kind: 'reject', reason: 'invalid_field' });
    expect(parseAlbLine(`${base.slice(0, 200)} "unterminated`, 1)).toMatchObject({ kind: 'reject', reason: 'invalid_field' });
    // NLB TLS listener line (documented example shape)
    const nlb = parseAlbLine('tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:123456789012:certificate/abc - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30', 1);
    expect(nlb).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect((nlb as any).detail).toContain('Network Load Balancer');
    const conn = parseAlbLine('2023-12-13T04:05:06.123456Z 192.0.2.1 45678 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 5 - - - - - Success - TID_1234abcd5678ef90', 1);
    expect((conn as any).detail).toContain('connection log');
    expect(parseAlbLine(base.replace('192.0.2.44:50111', '2001:50111'), 1)).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
    expect(parseAlbLine('', 1)).toEqual({ kind: 'skip' });
  });

  it('returns on a 200 KB crafted line', () => {
    expect(['reject', 'event']).toContain(parseAlbLine(`https ${'" \\" '.repeat(50_000)}`, 1).kind);
    expect(['reject', 'event']).toContain(parseAlbLine(`h2 ${'"a b" '.repeat(40_000)}`, 1).kind);
  });
});

describe('scenario s1 alb.log against its truth', () => {
  const text = gunzipSync(readFileSync(path.join(SHARED, 'scenarios/s1/alb.log.gz'))).toString('utf8');
  const parser = albFormat.createParser({ sourceName: 'alb.log' });
  const outs = text.split('\n').filter(Boolean).map((l, i) => parser.parse(l, i + 1));
  const byRoot = new Map(outs.flatMap((o) => (o.kind === 'event' ? [[o.event.http!.request!.id!, o.event] as const] : [])));
  const truth = read('scenarios/s1/truth/requests.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));

  it('parses every line', () => {
    expect(outs.filter((o) => o.kind === 'reject')).toHaveLength(0);
  });

  it('fixed-response refusals name listener rule 5 with the truth evidence; passed-through 403s are not the ALB\'s', () => {
    for (const t of truth.filter((x) => x.ids.alb_trace_root)) {
      const e = byRoot.get(t.ids.alb_trace_root)!;
      if (t.emitter_component === 'alb') {
        expect([e.denytrace.decision, e.rule?.id, e.denytrace.evidence]).toEqual(['deny', t.rule_id, t.evidence]);
      } else {
        expect(e.denytrace.decision).toBe('pass');
      }
    }
  });
});
