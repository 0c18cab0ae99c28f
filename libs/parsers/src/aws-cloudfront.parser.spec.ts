import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eventId, HOP, type DenyEvent } from '@denytrace/schema';
import { CLOUDFRONT_FIELDS, cloudfrontFormat } from './aws-cloudfront.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');

function parseAll(text: string, sourceName = 'test.log'): ParseOutcome[] {
  const parser = cloudfrontFormat.createParser({ sourceName });
  return text.split('\n').filter((l, i, a) => !(i === a.length - 1 && l === '')).map((l, i) => parser.parse(l, i + 1));
}
const events = (outs: ParseOutcome[]): DenyEvent[] => outs.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
/** `denytrace.evidence` back to its `name=value` pairs. */
const evidence = (e: DenyEvent): Record<string, string> =>
  Object.fromEntries((e.denytrace.evidence ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

describe('cloudfrontFormat', () => {
  it('names the format and dataset, detects by the #Fields header', () => {
    expect(cloudfrontFormat.name).toBe('aws-cloudfront');
    expect(cloudfrontFormat.dataset).toBe('aws.cloudfront');
    expect(cloudfrontFormat.detect(read('cases/C01.log').split('\n').slice(0, 4))).toBe(1);
    expect(cloudfrontFormat.detect(read('cases/C01.log').split('\n').slice(2, 4))).toBeGreaterThan(0.5);
    expect(cloudfrontFormat.detect(['{"a":1}', '127.0.0.1 - - [x] "GET / HTTP/1.1" 200 1'])).toBe(0);
  });
});

describe('C01: columns added over time, mapped by header name', () => {
  const outs = parseAll(read('cases/C01.log'), 'C01.log');
  const expected = JSON.parse(read('cases/C01.expected.json'));
  const rawLines = read('cases/C01.log').split('\n');

  it('header lines are neither records nor errors; nothing is rejected', () => {
    expect(outs[0]).toEqual({ kind: 'skip' });
    expect(outs[1]).toEqual({ kind: 'skip' });
    expect(outs.filter((o) => o.kind === 'reject')).toEqual(expected.rejected);
    expect(events(outs)).toHaveLength(expected.records.length);
  });

  it.each(expected.records.map((r: any) => [r.line, r]) as Array<[number, any]>)('line %i: every listed field', (lineNo, r) => {
    const o = outs[lineNo - 1];
    if (o.kind !== 'event') throw new Error(JSON.stringify(o));
    const e = o.event;
    const ev = evidence(e);
    // Map each plain field of the case to where denytrace keeps it; null = absent.
    const ours: Record<string, unknown> = {
      timestamp: e['@timestamp'].replace('.000Z', 'Z'),
      edge_location: ev['x-edge-location'] ?? null,
      client_ip: e.source?.ip ?? null,
      client_port: e.source?.port ?? null,
      method: e.http?.request?.method ?? null,
      host: e.url?.domain ?? null,
      cf_domain: e.observer.name ?? null,
      path: e.url?.path ?? null,
      status: e.http?.response?.status_code ?? null,
      referer: e.http?.request?.referrer ?? null,
      user_agent: e.user_agent?.original ?? null,
      query: e.url?.query ?? null,
      cookie: null, // cs(Cookie) is never kept
      edge_result_type: ev['x-edge-result-type'] ?? null,
      edge_response_result_type: ev['x-edge-response-result-type'] ?? null,
      edge_detailed_result_type: ev['x-edge-detailed-result-type'] ?? null,
      request_id: e.http?.request?.id ?? null,
      protocol: e.url?.scheme ?? null,
      // ECS http.version is the bare number ("2.0"); the case uses the logged "HTTP/2.0".
      protocol_version: e.http?.version ? `HTTP/${e.http.version}` : null,
      x_forwarded_for: ev['x-forwarded-for'] ?? null,
      ssl_protocol: e.tls?.version ?? null,
      ssl_cipher: e.tls?.cipher ?? null,
      fle_status: ev['fle-status'] ?? null,
      time_taken_s: ev['time-taken'] !== undefined ? Number(ev['time-taken']) : null,
      time_to_first_byte_s: ev['time-to-first-byte'] !== undefined ? Number(ev['time-to-first-byte']) : null,
      sc_bytes: e.http?.response?.bytes ?? null,
      cs_bytes: e.http?.request?.bytes ?? null,
      content_type: ev['sc-content-type'] ?? null,
      content_length: ev['sc-content-len'] !== undefined ? Number(ev['sc-content-len']) : null,
      range_start: ev['sc-range-start'] ?? null,
      range_end: ev['sc-range-end'] ?? null,
      extra_fields: e.denytrace.extra_fields ?? null,
    };
    for (const [k, v] of Object.entries(r)) {
      if (k === 'line') continue;
      expect([k, ours[k]]).toEqual([k, v]);
    }
    expect(e.event.id).toBe(eventId('aws.cloudfront', rawLines[lineNo - 1]));
    expect(e.denytrace).toMatchObject({ layer: 'cdn', component: 'cloudfront', hop: HOP.cdn, line: lineNo, source_file: 'C01.log' });
    expect(e.denytrace.correlation_ids).toEqual([`amzcf:${r.request_id}`]);
  });

  it('line 3: an Error 403 cannot be told from a web ACL block or an origin 403 → unknown', () => {
    const e = events(outs)[0];
    expect(e.denytrace.decision).toBe('unknown');
    expect(e.rule).toBeUndefined();
    expect(e.denytrace.match_key).toBe(`GET /admin/login ${expected.records[0].user_agent}`);
  });

  it('line 4: a cache hit is a pass', () => {
    expect(events(outs)[1].denytrace.decision).toBe('pass');
  });
});

describe('Elastic CloudFront test file (corpus/aws-cloudfront)', () => {
  const text = read('corpus/aws-cloudfront/elastic-test-cloudfront.log');
  const outs = parseAll(text);
  const rows = text.split('\n').filter((l) => l && !l.startsWith('#'));

  it('parses with zero rejections, 31-field rows included', () => {
    expect(outs.filter((o) => o.kind === 'reject')).toEqual([]);
    expect(events(outs)).toHaveLength(rows.length);
  });

  it('keeps IPv6 c-ip whole and decodes the user agent once', () => {
    const es = events(outs);
    expect(es[1].source?.ip).toBe(rows[1].split('\t')[4]);
    expect(es[0].user_agent?.original).toBe(decodeURIComponent(rows[0].split('\t')[10]));
  });

  it('a 31-field row leaves the two missing trailing columns absent', () => {
    const short = events(outs).at(-1)!;
    const cells = rows.at(-1)!.split('\t');
    expect(cells).toHaveLength(31);
    expect(evidence(short)['x-edge-detailed-result-type']).toBe(cells[28]);
    expect(evidence(short)['sc-range-start']).toBeUndefined();
    expect(short.denytrace.extra_fields).toBeUndefined();
  });

  it('status 000 (viewer closed the connection) has no status code', () => {
    const i = rows.findIndex((r) => r.split('\t')[8] === '000');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(events(outs)[i].http?.response?.status_code).toBeUndefined();
  });

  it('OriginDnsError 502s are not CloudFront refusals', () => {
    for (const e of events(outs).filter((x) => x.http?.response?.status_code === 502)) expect(e.denytrace.decision).not.toBe('deny');
  });
});

describe('result types from the standard-logs reference', () => {
  const header = `#Fields: ${CLOUDFRONT_FIELDS.join(' ')}`;
  const row = (detailed: string, status: string, result = 'Error', query = '-'): string => {
    const c = read('cases/C01.log').split('\n')[2].split('\t').slice(0, 33);
    c[8] = status; c[13] = result; c[22] = result; c[28] = detailed; c[11] = query;
    return c.join('\t');
  };
  const one = (line: string): DenyEvent => {
    const o = parseAll(`${header}\n${line}`)[1];
    if (o.kind !== 'event') throw new Error(JSON.stringify(o));
    return o.event;
  };

  it('ClientGeoBlocked: CloudFront itself refused, geo restriction of the distribution', () => {
    const e = one(row('ClientGeoBlocked', '403'));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.event.action).toBe('deny');
    expect(e.rule).toEqual({ id: 'geo-restriction', name: 'CloudFront geographic restriction', ruleset: 'd111111abcdef8.cloudfront.net' });
    expect(e.denytrace.upstream_status).toBeNull();
  });

  it.each(['InvalidRequestBlocked', 'InvalidRequestMethod', 'InvalidRequestHeader', 'InvalidRequestCertificate', 'InvalidRequest'])('%s is an edge refusal', (t) => {
    const e = one(row(t, '403'));
    expect([e.denytrace.decision, e.rule?.id]).toEqual(['deny', t]);
  });

  it('LimitExceeded is a refusal; CapacityExceeded and client aborts are not', () => {
    expect(one(row('LimitExceeded', '403', 'LimitExceeded')).denytrace.decision).toBe('deny');
    expect(one(row('CapacityExceeded', '503', 'CapacityExceeded')).denytrace.decision).toBe('unknown');
    expect(one(row('ClientCommError', '200')).denytrace.decision).toBe('unknown');
  });

  it('Miss passes and the status is the origin\'s', () => {
    const e = one(row('Miss', '403', 'Miss'));
    expect(e.denytrace.decision).toBe('pass');
    expect(e.denytrace.upstream_status).toBe(403);
  });

  it('query decoded once: %2520 → %20; a bad escape keeps the raw text', () => {
    expect(one(row('Hit', '200', 'Hit', 'q=a%2520b')).url?.query).toBe('q=a%20b');
    expect(one(row('Hit', '200', 'Hit', 'q=%E0%A4%A')).url?.query).toBe('q=%E0%A4%A');
  });

  it('without a #Fields header falls back to the documented order', () => {
    const o = cloudfrontFormat.createParser({}).parse(row('Hit', '200', 'Hit'), 1);
    expect(o.kind === 'event' && o.event.source?.ip).toBe('203.0.113.50');
  });

  it('rejects junk with a reason', () => {
    const p = cloudfrontFormat.createParser({});
    expect(p.parse('hello world', 1)).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect(p.parse(row('Hit', '200').replace('2024-03-12', 'yesterday'), 2)).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(p.parse(row('Hit', '200').replace('203.0.113.50', '2001'), 3)).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
  });

  it('returns on a 200 KB crafted line', () => {
    const p = cloudfrontFormat.createParser({});
    expect(['reject', 'event']).toContain(p.parse('\t%'.repeat(100_000), 1).kind);
    expect(['reject', 'event']).toContain(p.parse(row('Hit', '200', 'Hit', '%25'.repeat(70_000)), 2).kind);
  });
});

describe('scenario s1 cloudfront.log against its truth', () => {
  const text = gunzipSync(readFileSync(path.join(SHARED, 'scenarios/s1/cloudfront.log.gz'))).toString('utf8');
  const outs = parseAll(text, 'cloudfront.log');
  const byId = new Map(events(outs).map((e) => [e.http!.request!.id!, e]));
  const truth = read('scenarios/s1/truth/requests.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));

  it('parses every line', () => {
    expect(outs.filter((o) => o.kind === 'reject')).toHaveLength(0);
  });

  it('geo restriction refusals are CloudFront denials; other 403s are not CloudFront\'s', () => {
    for (const t of truth) {
      const e = byId.get(t.ids.cloudfront_request_id)!;
      expect(e.http?.response?.status_code).toBe(t.status);
      if (t.emitter_component === 'cloudfront') expect([e.denytrace.decision, e.rule?.id]).toEqual(['deny', t.rule_id]);
      else expect(e.denytrace.decision).not.toBe('deny');
    }
  });
});
