import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { NetworkTable } from '@denytrace/network';
import { openStore, type EventStore } from '@denytrace/store';
import { IngestError, ingestFile } from './ingest-file';

const SHARED = path.resolve(__dirname, '../../../../shared');
const SINCE = '2000-01-01T00:00:00.000Z';
const UNTIL = '2100-01-01T00:00:00.000Z';

/** nginx `combined` (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format). */
function nginxLine(i: number, status: number, ip = `192.0.2.${i % 200}`, method = 'GET'): string {
  const sec = String(i % 60).padStart(2, '0');
  return `${ip} - - [12/Mar/2024:14:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${sec} +0000] "${method} /item/${i}?q=${i} HTTP/1.1" ${status} ${100 + i} "-" "test-agent/${i}"`;
}

/** Statuses of generated lines: every 7th line is a 403, every 11th a 404, else 200. */
function statusOf(i: number): number {
  return i % 7 === 0 ? 403 : i % 11 === 0 ? 404 : 200;
}

function nginxLines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(nginxLine(i, statusOf(i)));
  return out;
}

function expectedByStatus(from: number, to: number): Record<number, number> {
  const by: Record<number, number> = {};
  for (let i = from; i <= to; i++) by[statusOf(i)] = (by[statusOf(i)] ?? 0) + 1;
  return by;
}

async function countsByStatus(store: EventStore): Promise<Record<number, number>> {
  const rows = await store.counterTotals(SINCE, UNTIL, ['status']);
  return Object.fromEntries(rows.map((r) => [Number(r.status), Number(r.count)]));
}

/** The CloudFront standard log columns, in documented order
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html). */
const CF_FIELDS = 'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';

function cloudfrontRow(i: number, status: number): string {
  const result = status >= 400 ? 'Error' : 'Miss';
  const id = `EXAMPLE${String(i).padStart(6, '0')}${'A'.repeat(43)}==`.slice(0, 56);
  return [
    '2024-03-12', `14:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, 'FRA56-P1', '512',
    `198.51.100.${i % 200}`, 'GET', 'd111111abcdef8.cloudfront.net', `/p/${i}`, String(status), '-', 'agent%20x', '-', '-',
    result, id, 'shop.example.com', 'https', '300', '0.002', '-', 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', result, 'HTTP/2.0',
    '-', '-', String(40000 + i), '0.001', result, 'text/html', '100', '-', '-', 'v1',
  ].join('\t');
}

describe('ingestFile', () => {
  let dir: string;
  let n = 0;
  const fresh = async (retention: 'refusals' | 'all' = 'refusals') => openStore({ dataDir: path.join(dir, `store-${++n}`), retention });
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-ingest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingesting the same nginx file twice adds no events and leaves counters unchanged', async () => {
    const store = await fresh();
    const file = path.join(dir, 'access.log');
    writeFileSync(file, nginxLines(1, 300).join('\n') + '\n');
    const expected = expectedByStatus(1, 300);
    const first = await ingestFile(file, { store }, { batchSize: 64 });
    expect(first).toMatchObject({ format: 'nginx', records: 300, refusals: expected[403], stored: expected[403], rejected: 0, already_ingested: false });
    expect(first.first_event).toBe('2024-03-12T14:00:01.000Z');
    expect(first.last_event).toBe('2024-03-12T14:05:00.000Z');
    expect(await countsByStatus(store)).toEqual(expected);
    const second = await ingestFile(file, { store }, { batchSize: 64 });
    expect(second).toMatchObject({ records: 0, stored: 0, refusals: 0, rejected: 0, already_ingested: true });
    expect(await countsByStatus(store)).toEqual(expected);
    await store.close();
  });

  it('a grown file adds only its new lines; a resumed CloudFront file keeps its #Fields header', async () => {
    const store = await fresh();
    const file = path.join(dir, 'cf.log');
    const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => cloudfrontRow(from + k, statusOf(from + k)));
    // C01: a column appended after the documented 33 is mapped by the header name
    writeFileSync(file, ['#Version: 1.0', `#Fields: ${CF_FIELDS} x-example-appended-field`, ...rows(1, 100)].join('\n') + '\n');
    const first = await ingestFile(file, { store });
    expect(first).toMatchObject({ format: 'aws-cloudfront', records: 100, skipped_lines: 2, rejected: 0 });
    appendFileSync(file, rows(101, 150).join('\n') + '\n');
    const second = await ingestFile(file, { store });
    expect(second).toMatchObject({ records: 50, rejected: 0, already_ingested: false, resumed_from_line: 102 });
    expect(second.refusals).toBe(expectedByStatus(101, 150)[403]);
    expect(await countsByStatus(store)).toEqual(expectedByStatus(1, 150));
    const resumed = [];
    for await (const e of store.eventsInRange(SINCE, UNTIL)) if ((e.denytrace.line ?? 0) > 102) resumed.push(e);
    expect(resumed).toHaveLength(expectedByStatus(101, 150)[403]);
    for (const e of resumed) expect(e.denytrace.extra_fields).toEqual({ 'x-example-appended-field': 'v1' });
    await store.close();
  });

  it('C13 through the pipeline: one line_too_long, two records, one refusal', async () => {
    const expected = JSON.parse(readFileSync(path.join(SHARED, 'cases/C13.expected.json'), 'utf8'));
    const store = await fresh();
    const s = await ingestFile(path.join(SHARED, 'cases', expected.input), { store }, { maxLineBytes: expected.options.max_line_bytes });
    expect(s.records).toBe(expected.records.length);
    expect(s.refusals).toBe(expected.records.filter((r: { status: number }) => r.status === 403).length);
    expect(s.rejected).toBe(expected.rejected.length);
    expect(s.rejected_by_reason).toEqual({ [expected.rejected[0].error]: 1 });
    const stored = [];
    for await (const e of store.eventsInRange(SINCE, UNTIL)) stored.push(e);
    expect(stored.map((e) => [e.denytrace.line, e.http?.response?.status_code, e.url?.path])).toEqual(
      expected.records.filter((r: { status: number }) => r.status === 403).map((r: { line: number; status: number; path: string }) => [r.line, r.status, r.path]),
    );
    await store.close();
  });

  it('a truncated gzip keeps the records before the cut and reports truncated_gzip once', async () => {
    const store = await fresh();
    const file = path.join(dir, 'cut.log.gz');
    const all = nginxLines(1, 5000);
    const gz = gzipSync(all.join('\n') + '\n');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const s = await ingestFile(file, { store });
    expect(s.format).toBe('nginx');
    expect(s.records).toBeGreaterThan(100);
    expect(s.records).toBeLessThan(all.length);
    expect(s.rejected_by_reason).toEqual({ truncated_gzip: 1 });
    expect(await countsByStatus(store)).toEqual(expectedByStatus(1, s.records));
    await store.close();
  });

  it('enriches from the network table: country, region and organization on events and counters', async () => {
    const csv = readFileSync(path.join(SHARED, 'scenarios/s1/geoip.csv'), 'utf8');
    const row = csv.split('\n').find((l) => l.startsWith('203.0.113.0/28,'))!.split(',');
    const network = NetworkTable.fromCsv(csv);
    const store = await fresh('all');
    const file = path.join(dir, 'geo.log');
    writeFileSync(file, [nginxLine(1, 403, '203.0.113.5', 'POST'), nginxLine(2, 200, '203.0.113.5')].join('\n') + '\n');
    const s = await ingestFile(file, { store, network }, { retention: 'all' });
    expect(s).toMatchObject({ records: 2, stored: 2 });
    const events = [];
    for await (const e of store.eventsInRange(SINCE, UNTIL)) events.push(e);
    for (const e of events) {
      expect(e.source?.geo).toMatchObject({ country_iso_code: row[1], region_iso_code: row[2] });
      expect(e.source?.as?.organization?.name).toBe(row[3]);
    }
    const rows = await store.counterTotals(SINCE, UNTIL, ['country', 'method_class', 'status']);
    expect(rows.map((r) => [r.country, r.method_class, Number(r.status), Number(r.count)]).sort()).toEqual(
      [[row[1], 'read', 200, 1], [row[1], 'write', 403, 1]].sort(),
    );
    await store.close();
  });

  it('counts every line of an unknown format and reports the file; such a run remembers nothing, so the next one reads it again', async () => {
    const store = await fresh();
    const file = path.join(dir, 'mystery.txt');
    writeFileSync(file, 'hello there\nnot a log line\n\nstill not one\n');
    const first = await ingestFile(file, { store });
    expect(first).toMatchObject({ format: null, skipped: null, records: 0, rejected: 3, rejected_by_reason: { unknown_format: 3 }, skipped_lines: 1 });
    const second = await ingestFile(file, { store });
    expect(second).toMatchObject({ rejected: 3, already_ingested: false });
    await store.close();
  });

  it('an unknown --format name throws a clear error listing the known names', async () => {
    const store = await fresh();
    const file = path.join(dir, 'x.log');
    writeFileSync(file, nginxLine(1, 200) + '\n');
    await expect(ingestFile(file, { store }, { format: 'nope' })).rejects.toThrow(IngestError);
    await expect(ingestFile(file, { store }, { format: 'nope' })).rejects.toThrow(/known formats: .*nginx/);
    await store.close();
  });
});
