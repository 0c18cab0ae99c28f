import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FORMATS, detectFormat, getFormat } from './formats';

const SHARED = path.resolve(__dirname, '../../../../shared');
const head = (rel: string, n = 40): string[] => {
  const buf = fs.readFileSync(path.join(SHARED, rel));
  const text = rel.endsWith('.gz') ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  return text.split('\n').slice(0, n);
};
const detected = (lines: readonly string[]): string | undefined => detectFormat(lines)?.format.name;

describe('format registry and detection', () => {
  it('lists every format once, by name', () => {
    const names = FORMATS.map((f) => f.name);
    expect(names).toEqual(['aws-waf', 'aws-cloudfront', 'aws-alb', 'nginx', 'nginx-error', 'app-json']);
    for (const n of names) expect(getFormat(n)?.name).toBe(n);
    expect(getFormat('nope')).toBeUndefined();
    expect(getFormat('nginx')?.dataset).toBe('nginx.access');
    expect(getFormat('nginx-error')?.dataset).toBe('nginx.error');
    expect(getFormat('app-json')?.dataset).toBe('app.audit');
  });

  it.each([
    ['scenarios/s1/nginx.log.gz', 'nginx'],
    ['scenarios/s1/nginx-error.log.gz', 'nginx-error'],
    ['scenarios/s1/app.log.gz', 'app-json'],
    ['scenarios/s1/waf.log.gz', 'aws-waf'],
    ['scenarios/s1/cloudfront.log.gz', 'aws-cloudfront'],
    ['scenarios/s1/alb.log.gz', 'aws-alb'],
    ['corpus/nginx/crowdsec-nginx_http-logs.log', 'nginx'],
    ['corpus/nginx-ingress/elastic-test-ingest-raw.log', 'nginx'],
    ['corpus/aws-waf/elastic-test-waf.log', 'aws-waf'],
    ['corpus/aws-cloudfront/elastic-test-cloudfront.log', 'aws-cloudfront'],
    ['corpus/aws-alb/crowdsec-aws-alb-logs.log', 'aws-alb'],
    ['cases/C05.jsonl', 'app-json'],
    ['cases/C13.log', 'nginx'],
  ])('%s is %s', (file, name) => {
    expect(detected(head(file))).toBe(name);
  });

  it('CloudFront without its #Fields header is still CloudFront, not nginx', () => {
    expect(detected(head('scenarios/s1/cloudfront.log.gz').filter((l) => !l.startsWith('#')))).toBe('aws-cloudfront');
  });

  it('deploy events are not app JSON', () => {
    const deploys = head('scenarios/s1/deploys.jsonl');
    expect(detected(deploys)).toBeUndefined();
    expect(getFormat('app-json')!.detect(deploys.filter((l) => l))).toBe(0);
  });

  it('AWS WAF JSON scores 0 as app JSON and as nginx; error-log lines score 0 as nginx access', () => {
    const waf = head('scenarios/s1/waf.log.gz', 20);
    expect(getFormat('app-json')!.detect(waf)).toBe(0);
    expect(getFormat('nginx')!.detect(waf)).toBe(0);
    expect(getFormat('nginx')!.detect(head('scenarios/s1/nginx-error.log.gz', 20))).toBe(0);
    expect(getFormat('nginx')!.detect(head('scenarios/s1/alb.log.gz', 20))).toBe(0);
  });

  it('nginx JSON is nginx, not app JSON', () => {
    const lines = [1, 2, 3].map((i) => JSON.stringify({ time_local: `12/Mar/2024:14:00:0${i} +0000`, remote_addr: '192.0.2.1', request: 'GET / HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'curl' }));
    expect(detected(lines)).toBe('nginx');
  });

  it('nothing fits: blank or unknown input gives undefined', () => {
    expect(detectFormat([])).toBeUndefined();
    expect(detectFormat(['', '  '])).toBeUndefined();
    expect(detectFormat(['hello world', 'just text'])).toBeUndefined();
  });
});
