import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore } from '@denytrace/store';
import { fingerprint } from './fingerprint';
import { ingestFile, UNKNOWN_FORMAT_QUARANTINE_LINES } from './ingest-file';
import { quarantineSpy } from './testing/quarantine-spy';

const SHARED = path.resolve(__dirname, '../../../../shared');

/** nginx `combined` (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format). */
function nginxLine(i: number, status: number): string {
  return `192.0.2.${i % 200} - - [12/Mar/2024:14:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /item/${i} HTTP/1.1" ${status} ${100 + i} "-" "test-agent/${i}"`;
}

describe('ingestFile: what a run remembers', () => {
  let dir: string;
  let n = 0;
  const fresh = async () => openStore({ dataDir: path.join(dir, `store-${++n}`) });
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-rerun-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a wrong --format (C13 as aws-waf: every line invalid_json) does not mark the file read; detection then reads it as C13.expected.json says', async () => {
    const expected = JSON.parse(readFileSync(path.join(SHARED, 'cases/C13.expected.json'), 'utf8'));
    const file = path.join(SHARED, 'cases', expected.input);
    const store = await fresh();
    const opts = { maxLineBytes: expected.options.max_line_bytes };
    const wrong = await ingestFile(file, { store }, { ...opts, format: 'aws-waf' });
    expect(wrong).toMatchObject({ format: 'aws-waf', records: 0, rejected: 3, rejected_by_reason: { invalid_json: 2, [expected.rejected[0].error]: 1 } });
    expect(await store.getFileState(await fingerprint(file))).toBeUndefined();
    const right = await ingestFile(file, { store }, opts);
    expect(right).toMatchObject({ format: 'nginx', already_ingested: false, resumed_from_line: 0, records: expected.records.length, rejected: expected.rejected.length });
    expect(right.refusals).toBe(expected.records.filter((r: { status: number }) => r.status === 403).length);
    expect(await store.getFileState(await fingerprint(file))).toMatchObject({ format: 'nginx', lines: 3 });
    const again = await ingestFile(file, { store }, opts);
    expect(again).toMatchObject({ already_ingested: true, records: 0, rejected: 0 });
    await store.close();
  });

  it('a named file of no known format is counted exactly every run, remembered never, and quarantines at most its first lines', async () => {
    const file = path.join(dir, 'notes.txt');
    const total = UNKNOWN_FORMAT_QUARANTINE_LINES + 150;
    writeFileSync(file, Array.from({ length: total }, (_, i) => `note ${i}: nothing like a log line`).join('\n') + '\n\n');
    const { store, rows } = quarantineSpy(await fresh());
    const first = await ingestFile(file, { store }, { batchSize: 64 });
    expect(first).toMatchObject({ format: null, skipped: null, records: 0, rejected: total, rejected_by_reason: { unknown_format: total }, skipped_lines: 1 });
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: UNKNOWN_FORMAT_QUARANTINE_LINES }, (_, i) => i + 1));
    expect(await store.getFileState(await fingerprint(file))).toBeUndefined();
    const second = await ingestFile(file, { store });
    expect(second).toMatchObject({ already_ingested: false, rejected: total });
    await store.close();
  });

  it('a file of only blank lines is remembered (nothing was rejected)', async () => {
    const file = path.join(dir, 'blank.log');
    writeFileSync(file, '\n  \n\n');
    const store = await fresh();
    expect(await ingestFile(file, { store })).toMatchObject({ records: 0, rejected: 0, skipped_lines: 3 });
    expect(await store.getFileState(await fingerprint(file))).toMatchObject({ lines: 3 });
    await store.close();
  });

  it('a truncated gzip reports truncated_gzip in the run that read its lines, not again in a re-run that finds nothing new', async () => {
    const file = path.join(dir, 'cut.log.gz');
    const gz = gzipSync(Array.from({ length: 5000 }, (_, i) => nginxLine(i + 1, i % 7 === 0 ? 403 : 200)).join('\n') + '\n');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const { store, rows } = quarantineSpy(await fresh());
    const first = await ingestFile(file, { store });
    expect(first.records).toBeGreaterThan(100);
    expect(first.rejected_by_reason).toEqual({ truncated_gzip: 1 });
    expect(rows.map((r) => r.reason)).toEqual(['truncated_gzip']);
    const second = await ingestFile(file, { store });
    expect(second).toMatchObject({ already_ingested: true, records: 0, rejected: 0, rejected_by_reason: {}, resumed_from_line: first.records });
    expect(rows).toHaveLength(1);
    await store.close();
  });

  it('a gzip cut before its first complete line is not remembered', async () => {
    const file = path.join(dir, 'cut-early.log.gz');
    writeFileSync(file, gzipSync(nginxLine(1, 403) + '\n').subarray(0, 12));
    const store = await fresh();
    expect(await ingestFile(file, { store })).toMatchObject({ records: 0, rejected: 1, rejected_by_reason: { truncated_gzip: 1 } });
    expect(await store.getFileState(await fingerprint(file))).toBeUndefined();
    expect(await ingestFile(file, { store })).toMatchObject({ already_ingested: false, rejected_by_reason: { truncated_gzip: 1 } });
    await store.close();
  });
});
