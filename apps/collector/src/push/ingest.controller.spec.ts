import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ConfigModule, loadConfig } from '@denytrace/config';
import { HttpCommonModule } from '@denytrace/http';
import { MetricsModule } from '@denytrace/metrics';
import { CORRELATE_QUEUE, QueueModule, correlateJobId, windowsForTimestamps } from '@denytrace/queue';
import { EVENT_STORE, StoreModule, type EventStore } from '@denytrace/store';
import type { DenyEvent } from '@denytrace/schema';
import { CollectorFeaturesModule } from '../collector-features.module';

const SHARED = path.resolve(__dirname, '../../../../../shared');
const read = (p: string) => readFileSync(path.join(SHARED, p));
const INGESTER = `ingest-${randomBytes(12).toString('hex')}`;
const READER = `reader-${randomBytes(12).toString('hex')}`;
const MAX = 64 * 1024;
const ALL = ['2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'] as const;

/** nginx `combined` (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format): day `d` of March 2024, 10:mm:ss UTC. */
function nginxLine(i: number, status: number, d = 12): string {
  const mm = String(Math.floor(i / 60) % 60).padStart(2, '0');
  const ss = String(i % 60).padStart(2, '0');
  return `198.51.100.${i % 250} - - [${d}/Mar/2024:10:${mm}:${ss} +0000] "GET /push/${d}/${i} HTTP/1.1" ${status} ${100 + i} "-" "push-test/${i}"`;
}

describe('POST /v1/ingest', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'denytrace-push-'));
  let app: INestApplication;
  let url: string;
  let store: EventStore;
  let queue: Queue;

  beforeAll(async () => {
    const config = loadConfig({
      DENYTRACE_DATA_DIR: dir,
      DENYTRACE_QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`,
      DENYTRACE_API_KEYS: `ingester:${INGESTER},reader:${READER}`,
      DENYTRACE_RETENTION: 'all',
      DENYTRACE_INGEST_MAX_BYTES: String(MAX),
      DENYTRACE_LOG_LEVEL: 'silent',
    });
    @Module({ imports: [ConfigModule.forRoot(config), StoreModule, QueueModule, MetricsModule, HttpCommonModule, CollectorFeaturesModule] })
    class TestCollectorModule {}
    // rawBody as `denytrace serve` creates its app (for the GitHub webhook): pushes must stay streamed with it on.
    app = await NestFactory.create(TestCollectorModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/v1/ingest`;
    store = app.get(EVENT_STORE);
    queue = app.get(getQueueToken(CORRELATE_QUEUE));
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = (body: string | Buffer, headers: Record<string, string> = {}, query = '', key: string | null = INGESTER) =>
    fetch(`${url}${query}`, { method: 'POST', body, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });

  async function snapshot(): Promise<unknown> {
    const events: string[] = [];
    for await (const e of store.eventsInRange(...ALL)) events.push(e.event.id);
    return { events: events.sort(), counters: await store.counterTotals(...ALL, ['dataset', 'status']), quarantine: await store.quarantineCounts() };
  }

  async function eventsOn(day: string): Promise<DenyEvent[]> {
    const out: DenyEvent[] = [];
    for await (const e of store.eventsInRange(`${day}T00:00:00.000Z`, `${day}T23:59:59.999Z`)) out.push(e);
    return out;
  }

  describe('auth', () => {
    it('answers 401 without a key, 403 for a reader key, 202 for an ingester key', async () => {
      const body = `${nginxLine(1, 200, 1)}\n`;
      const none = await push(body, {}, '', null);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: 'Unauthorized', code: 'missing_api_key' });
      const reader = await push(body, {}, '', READER);
      expect(reader.status).toBe(403);
      expect(await reader.json()).toMatchObject({ error: 'Forbidden', code: 'insufficient_scope' });
      const ok = await push(body);
      expect(ok.status).toBe(202);
      expect(ok.headers.get('x-request-id')).toBeTruthy();
    });
  });

  it('reads plain text nginx lines (crowdsec corpus: statuses as its parser.assert)', async () => {
    const expected = JSON.parse(read('corpus/nginx/crowdsec-nginx_http-logs.s01-parse.derived.json').toString()).records as Array<{ Parsed: Record<string, string> }>;
    const statuses = expected.map((r) => r.Parsed.status).filter(Boolean).map(Number);
    const res = await push(read('corpus/nginx/crowdsec-nginx_http-logs.log'), { 'content-type': 'text/plain' }, '?source=crowdsec');
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: statuses.length, rejected: 0, formats: { nginx: statuses.length }, stored: statuses.length, duplicates: 0 });
    const stored = [...(await eventsOn('2020-01-04')), ...(await eventsOn('2020-06-08'))];
    expect(stored.map((e) => e.http?.response?.status_code).sort()).toEqual([...statuses].sort());
    expect(stored.every((e) => e.denytrace.source_file === 'crowdsec')).toBe(true);
  });

  it('reads NDJSON of AWS WAF records (Elastic expected output) and enqueues correlate jobs for their windows', async () => {
    const expected = JSON.parse(read('corpus/aws-waf/elastic-test-waf.log-expected.json').toString()).expected as Array<Record<string, any>>;
    const res = await push(read('corpus/aws-waf/elastic-test-waf.log'), { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: expected.length, rejected: 0, formats: { 'aws-waf': expected.length } });
    const stored = [...(await eventsOn('2019-12-13')), ...(await eventsOn('2020-06-17'))];
    const pairs = (xs: Array<[string, string]>) => xs.map((p) => p.join(' ')).sort();
    // time and action as Elastic's pipeline gives them (rule ids differ on purpose for rule groups: see the parser's spec)
    expect(pairs(stored.map((e) => [e['@timestamp'], e.event.action ?? '']))).toEqual(pairs(expected.map((e) => [e['@timestamp'], String(e.event.action).toLowerCase()])));

    const windows = windowsForTimestamps(expected.map((e) => e['@timestamp'] as string));
    const versions = await store.windowVersions(windows);
    for (const v of versions) {
      expect(v.version).toBeGreaterThan(0);
      const job = await queue.getJob(correlateJobId(v.window, v.version));
      expect(job?.name).toBe('correlate-window');
      expect(job?.data).toEqual({ window: v.window, version: v.version });
    }
  });

  it('unwraps Vector envelopes (JSON array, message) into the same events as the raw lines', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => nginxLine(i, i % 3 === 0 ? 403 : 200, 14));
    const raw = await push(`${lines.join('\n')}\n`);
    expect(await raw.json()).toMatchObject({ accepted: 12, stored: 12 });
    const vector = lines.map((message, i) => ({ file: '/var/log/nginx/access.log', host: 'web-1', message, source_type: 'file', timestamp: `2024-03-14T10:00:${String(i).padStart(2, '0')}.5Z` }));
    const res = await push(JSON.stringify(vector), { 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 12, rejected: 0, formats: { nginx: 12 }, stored: 0, duplicates: 12 });
  });

  it('unwraps Fluent Bit json_lines envelopes (log, date), gzip-compressed', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => nginxLine(i, i < 4 ? 403 : 200, 15));
    const ndjson = lines.map((log, i) => JSON.stringify({ date: 1710496800 + i + 0.25, log })).join('\n');
    const res = await push(gzipSync(ndjson), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 10, rejected: 0, formats: { nginx: 10 }, stored: 10 });
    const stored = await eventsOn('2024-03-15');
    expect(stored.filter((e) => e.http?.response?.status_code === 403)).toHaveLength(4);
    expect(stored.map((e) => e.event.original).sort()).toEqual([...lines].sort());
  });

  it('recognises gzip by its magic bytes when Content-Encoding is absent (Logpush-style)', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => nginxLine(i, 403, 16));
    const res = await push(gzipSync(lines.join('\n')));
    expect(await res.json()).toMatchObject({ accepted: 5, formats: { nginx: 5 } });
  });

  it('answers 400 bad_gzip for a cut gzip and writes nothing', async () => {
    const before = await snapshot();
    const gz = gzipSync(Array.from({ length: 400 }, (_, i) => nginxLine(i, 403, 17)).join('\n'));
    const res = await push(gz.subarray(0, Math.floor(gz.length / 2)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'Bad Request', code: 'bad_gzip' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 413 payload_too_large over the limit (plain, and gzip that inflates past it) and writes nothing', async () => {
    const before = await snapshot();
    const big = Array.from({ length: 1000 }, (_, i) => nginxLine(i, 403, 18)).join('\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX);
    const plain = await push(big);
    expect(plain.status).toBe(413);
    expect(await plain.json()).toMatchObject({ error: 'Payload Too Large', code: 'payload_too_large' });
    const bomb = gzipSync(Buffer.alloc(4 * MAX, 'a'));
    expect(bomb.length).toBeLessThan(MAX);
    const inflated = await push(bomb, { 'content-encoding': 'gzip' });
    expect(inflated.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('rejects one bad line (quarantined under ?source) and stores the rest', async () => {
    const lines = Array.from({ length: 8 }, (_, i) => nginxLine(i, 403, 19));
    lines.splice(4, 0, 'this is not a log line at all');
    const res = await push(lines.join('\n'), {}, '?source=edge-7');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { rejected_by_reason: Record<string, number> };
    expect(body).toMatchObject({ accepted: 8, rejected: 1, stored: 8 });
    expect(Object.values(body.rejected_by_reason)).toEqual([1]);
    const q = await store.listQuarantine({ source_file: 'edge-7' });
    expect(q.items.map((r) => [r.line, r.raw])).toEqual([[5, 'this is not a log line at all']]);
  });

  it('stores and counts nothing twice when the same body is sent again', async () => {
    const body = gzipSync(Array.from({ length: 6 }, (_, i) => nginxLine(i, 403, 20)).join('\n'));
    const first = await (await push(body, { 'content-encoding': 'gzip' })).json();
    expect(first).toMatchObject({ accepted: 6, stored: 6, already_ingested: false });
    const before = await snapshot();
    const again = await (await push(body, { 'content-encoding': 'gzip' })).json();
    expect(again).toMatchObject({ accepted: 6, stored: 0, duplicates: 6, already_ingested: true });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 listing a bad format and 415 for an unknown encoding', async () => {
    const bad = await push('x\n', {}, '?format=nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'validation_failed', details: [{ field: 'format' }] });
    const enc = await push('x\n', { 'content-encoding': 'br' });
    expect(enc.status).toBe(415);
  });
});
