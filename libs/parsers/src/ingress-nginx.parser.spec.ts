import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { ingressNginxFormat, parseIngressNginxLine } from './ingress-nginx.parser';
import { nginxFormat } from './nginx-access.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const lines = (p: string): string[] => readFileSync(path.join(SHARED, p), 'utf8').split('\n').filter((l) => l.trim() !== '');
const CORPUS = 'corpus/nginx-ingress/elastic-test-ingest-raw.log';

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

describe('ingressNginxFormat', () => {
  it('claims upstreaminfo lines with a higher score than plain nginx, and no plain combined line', () => {
    const input = lines(CORPUS);
    expect(ingressNginxFormat.detect(input)).toBe(1);
    expect(nginxFormat.detect(input)).toBeLessThan(1);
    expect(ingressNginxFormat.detect(lines('corpus/nginx/crowdsec-nginx_http-logs.log'))).toBe(0);
    expect(ingressNginxFormat.dataset).toBe('nginx_ingress_controller.access');
  });

  const events = lines(CORPUS).map((l, i) => ev(parseIngressNginxLine(l, i + 1)));

  it('reads all 24 records of the corpus (Elastic test file), none rejected', () => {
    expect(events).toHaveLength(24);
    for (const e of events) expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'ingress-nginx', hop: HOP.proxy });
    expect(events[0].observer).toEqual({ type: 'proxy', vendor: 'Kubernetes', product: 'ingress-nginx' });
  });

  it('first record by hand: $req_id is the X-Request-ID it sent upstream; upstream name kept', () => {
    const e = events[0];
    expect(e['@timestamp']).toBe('2020-02-07T11:48:51.000Z');
    expect(e.http?.request?.id).toBe('529a007902362a5f51385a5fa7049884');
    expect(e.denytrace.correlation_ids).toEqual(['xrid:529a007902362a5f51385a5fa7049884']);
    expect(e.denytrace.upstream_status).toBe(200);
    expect(e.denytrace.extra_fields).toMatchObject({ proxy_upstream_name: 'default-web-8080', upstream_addr: '172.17.0.5:8080' });
  });

  it('"502, 403": the last attempt (403) came back, the client got 502: passed through, not refused here', () => {
    const last = events[23];
    expect(last.http?.response?.status_code).toBe(502);
    expect(last.denytrace.upstream_status).toBe(403);
    expect(last.denytrace.decision).toBe('pass');
  });

  it('a 403 with no upstream is the controller refusing (e.g. whitelist-source-range)', () => {
    // Same format, upstream fields "-" as in the corpus's invalid-method records.
    const line = '203.0.113.9 - - [12/Mar/2024:14:00:00 +0000] "GET /admin HTTP/1.1" 403 146 "-" "curl/8.5.0" 78 0.000 [default-web-8080] [] - - - - 0123456789abcdef0123456789abcdef';
    const e = ev(parseIngressNginxLine(line, 1));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.denytrace.evidence).toBe('ingress-nginx answered 403 itself (upstream_status -)');
    expect(e.denytrace.correlation_ids).toEqual(['xrid:0123456789abcdef0123456789abcdef']);
  });

  it('a line that is not upstreaminfo is a counted rejection', () => {
    expect(parseIngressNginxLine('203.0.113.9 - - [12/Mar/2024:14:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', 1)).toMatchObject({ kind: 'reject', reason: 'no_match' });
    expect(parseIngressNginxLine('', 2)).toEqual({ kind: 'skip' });
  });
});
