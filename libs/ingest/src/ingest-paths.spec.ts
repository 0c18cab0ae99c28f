import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openStore } from '@denytrace/store';
import { fingerprint } from './fingerprint';
import type { IngestProgress } from './ingest-file';
import { ingestPaths, type PathResult } from './ingest-paths';
import { quarantineSpy } from './testing/quarantine-spy';

const SHARED = path.resolve(__dirname, '../../../../shared');

/** nginx `combined` (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format). */
function nginxLine(i: number, status: number): string {
  return `192.0.2.${i} - - [12/Mar/2024:14:00:0${i % 10} +0000] "GET /item/${i} HTTP/1.1" ${status} ${100 + i} "-" "test-agent/${i}"`;
}

/** `n` bytes from a xorshift32 stream, first byte 0 (so never the gzip magic): a stand-in for a binary file. */
function binary(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 1; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const byFile = (results: PathResult[]) => new Map(results.map((r) => [r.file, r]));
const summary = (r: PathResult | undefined) => {
  if (!r || !('summary' in r)) throw new Error(`expected a summary, got ${JSON.stringify(r)}`);
  return r.summary;
};

describe('ingestPaths', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-paths-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('expands folders recursively and sorted, skips hidden files, reports a missing path without repeating it, and goes on', async () => {
    mkdirSync(path.join(dir, 'logs/b'), { recursive: true });
    writeFileSync(path.join(dir, 'logs/b/2.log'), nginxLine(2, 403) + '\n');
    writeFileSync(path.join(dir, 'logs/a.log'), nginxLine(1, 200) + '\n');
    writeFileSync(path.join(dir, 'logs/.hidden.log'), nginxLine(3, 403) + '\n');
    const store = await openStore({ dataDir: path.join(dir, 'store') });
    const missing = path.join(dir, 'missing.log');
    const results = await ingestPaths([missing, path.join(dir, 'logs')], { store });
    expect(results.map((r) => r.file)).toEqual([missing, path.join(dir, 'logs/a.log'), path.join(dir, 'logs/b/2.log')]);
    expect(results[0]).toEqual({ file: missing, error: 'no such file or directory' });
    expect(results.slice(1).map((r) => summary(r).records)).toEqual([1, 1]);
    await store.close();
  });

  it('a folder with no files (at any depth, hidden ones aside) is an error entry for that folder', async () => {
    mkdirSync(path.join(dir, 'empty/deeper'), { recursive: true });
    mkdirSync(path.join(dir, 'only-hidden'));
    writeFileSync(path.join(dir, 'only-hidden/.keep'), '');
    const store = await openStore({ dataDir: path.join(dir, 'store') });
    const results = await ingestPaths([path.join(dir, 'empty'), path.join(dir, 'only-hidden')], { store });
    expect(results).toEqual([
      { file: path.join(dir, 'empty'), error: 'no files found in this folder' },
      { file: path.join(dir, 'only-hidden'), error: 'no files found in this folder (1 hidden entry skipped)' },
    ]);
    await store.close();
  });

  it('files of no known format found in a folder are skipped: not read, counted, quarantined nor remembered', async () => {
    const logs = path.join(dir, 'logs');
    mkdirSync(path.join(logs, 'empty-sub'), { recursive: true });
    writeFileSync(path.join(logs, 'access.log'), [nginxLine(1, 200), nginxLine(2, 403)].join('\n') + '\n');
    writeFileSync(path.join(logs, 'README.md'), '# Logs\n\nAccess logs of the shop, one file a day.\n');
    copyFileSync(path.join(SHARED, 'scenarios/s1/geoip.csv'), path.join(logs, 'geoip.csv'));
    copyFileSync(path.join(SHARED, 'corpus/aws-alb/crowdsec-aws-alb-logs.parser.assert'), path.join(logs, 'alb.parser.assert'));
    copyFileSync(path.join(SHARED, 'corpus/aws-waf/elastic-test-waf.log-expected.json'), path.join(logs, 'waf.log-expected.json'));
    // A Lambda proxy event (what an app receives), not a log: no format reads it. (The Caddy access log
    // used here before is a format now.)
    copyFileSync(path.join(SHARED, 'corpus/xlayer-aws-app-events/aws-lambda-go-apigw-request.json'), path.join(logs, 'lambda-event.json'));
    const blob = path.join(logs, 'blob.bin');
    writeFileSync(blob, binary(5 << 20));
    const skipped = ['README.md', 'alb.parser.assert', 'blob.bin', 'geoip.csv', 'lambda-event.json', 'waf.log-expected.json'].map((f) => path.join(logs, f));

    const { store, rows } = quarantineSpy(await openStore({ dataDir: path.join(dir, 'store') }));
    const progress: IngestProgress[] = [];
    const results = await ingestPaths([logs], { store }, { onProgress: (p) => progress.push(p) });
    const got = byFile(results);
    expect([...got.keys()].sort()).toEqual([path.join(logs, 'access.log'), ...skipped].sort());
    expect(summary(got.get(path.join(logs, 'access.log')))).toMatchObject({ format: 'nginx', records: 2, refusals: 1, skipped: null });
    for (const f of skipped) {
      expect(summary(got.get(f))).toMatchObject({ file: f, format: null, skipped: 'unknown_format', records: 0, rejected: 0, rejected_by_reason: {} });
      expect(await store.getFileState(await fingerprint(f))).toBeUndefined();
    }
    expect(rows).toEqual([]);
    // the binary file was left after its first chunk, not read to the end
    const blobProgress = progress.filter((p) => p.totalBytes === 5 << 20); // no other file has this size
    expect(blobProgress.length).toBeGreaterThan(0);
    expect(Math.max(...blobProgress.map((p) => p.bytes))).toBeLessThan(5 << 20);
    await store.close();
  });

  it('a file of no known format named explicitly is still read, its lines counted unknown_format', async () => {
    const readme = path.join(dir, 'README.md');
    writeFileSync(readme, '# Logs\n\nAccess logs of the shop, one file a day.\n');
    const { store, rows } = quarantineSpy(await openStore({ dataDir: path.join(dir, 'store') }));
    const [r] = await ingestPaths([readme], { store });
    expect(summary(r)).toMatchObject({ skipped: null, format: null, records: 0, rejected: 2, rejected_by_reason: { unknown_format: 2 } });
    expect(rows.map((q) => [q.line, q.reason])).toEqual([[1, 'unknown_format'], [3, 'unknown_format']]);
    await store.close();
  });
});
