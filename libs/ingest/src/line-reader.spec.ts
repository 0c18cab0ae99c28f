import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLines, type LineItem, type ReadSummary } from './line-reader';
import { fingerprint } from './fingerprint';

const CASES = path.resolve(__dirname, '../../../../shared/cases');

async function collect(file: string, opts = {}): Promise<{ items: LineItem[]; summary: ReadSummary }> {
  const items: LineItem[] = [];
  let summary: ReadSummary | undefined;
  for await (const item of readLines(file, opts)) {
    if (item.kind === 'summary') summary = item.summary;
    else items.push(item);
  }
  if (!summary) throw new Error('no summary');
  return { items, summary };
}

function generated(n: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(`192.0.2.${i % 250} - - [12/Mar/2024:14:20:00 +0000] "GET /item/${i} HTTP/1.1" 200 ${i} "-" "agent-${i}"`);
  return out;
}

describe('readLines', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-lines-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('C13: rejects the over-long line with its byte count and limit, keeps lines 1 and 3', async () => {
    const expected = JSON.parse(readFileSync(path.join(CASES, 'C13.expected.json'), 'utf8'));
    const { items } = await collect(path.join(CASES, expected.input), { maxLineBytes: expected.options.max_line_bytes });
    const lines = items.filter((i) => i.kind === 'line');
    const errors = items.filter((i) => i.kind === 'error');
    expect(lines.map((l) => l.lineNo)).toEqual(expected.records.map((r: { line: number }) => r.line));
    for (const r of expected.records) {
      const text = (lines.find((l) => l.lineNo === r.line) as { text: string }).text;
      expect(text.startsWith(r.client_ip)).toBe(true);
      expect(text).toContain(r.path);
    }
    expect(errors).toHaveLength(expected.rejected.length);
    const [rej] = expected.rejected;
    const err = errors[0];
    if (err.kind !== 'error') throw new Error('not an error');
    expect(err.lineNo).toBe(rej.line);
    expect(err.error.reason).toBe(rej.error);
    expect(err.error.detail).toContain(`${rej.bytes} bytes`);
    expect(err.error.detail).toContain(`${rej.limit} bytes`);
  });

  it('keeps the lines before the cut of a truncated gzip and reports one truncated_gzip', async () => {
    const all = generated(20000);
    const gz = gzipSync(Buffer.from(all.join('\n') + '\n'));
    const file = path.join(dir, 'cut.log.gz');
    writeFileSync(file, gz.subarray(0, gz.length >> 1));
    const { items, summary } = await collect(file);
    const lines = items.filter((i) => i.kind === 'line');
    const errors = items.filter((i) => i.kind === 'error');
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines.length).toBeLessThan(all.length);
    lines.forEach((l, i) => {
      expect(l.lineNo).toBe(i + 1);
      expect((l as { text: string }).text).toBe(all[i]);
    });
    expect(errors).toHaveLength(1);
    const e = errors[0];
    if (e.kind !== 'error') throw new Error('not an error');
    expect(e.error.reason).toBe('truncated_gzip');
    expect(e.lineNo).toBe(lines.length + 1);
    expect(e.error.detail).toContain(file);
    expect(e.error.detail).toContain(`line ${lines.length + 1}`);
    expect(summary).toMatchObject({ gzip: true, truncated: true });
  });

  it('detects gzip by magic bytes, not the name, and reads concatenated members', async () => {
    const file = path.join(dir, 'plain-name.log');
    writeFileSync(file, Buffer.concat([gzipSync('a 1\nb 2\n'), gzipSync('c 3\n')]));
    const { items, summary } = await collect(file);
    expect(items.map((i) => (i.kind === 'line' ? i.text : ''))).toEqual(['a 1', 'b 2', 'c 3']);
    expect(summary).toMatchObject({ gzip: true, truncated: false, lines: 3 });
  });

  it('C05: strips the UTF-8 BOM at the start of the file', async () => {
    const raw = readFileSync(path.join(CASES, 'C05.jsonl'));
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { items } = await collect(path.join(CASES, 'C05.jsonl'));
    const first = items[0];
    if (first.kind !== 'line') throw new Error('not a line');
    expect(first.text.startsWith('{"timestamp"')).toBe(true);
    expect(items.filter((i) => i.kind === 'line')).toHaveLength(2);
  });

  it('strips CR of CRLF, skips blank lines, counts a last line without newline', async () => {
    const file = path.join(dir, 'crlf.log');
    writeFileSync(file, 'one\r\n\r\n  \r\ntwo\r\nthree');
    const { items, summary } = await collect(file);
    expect(items).toEqual([
      { kind: 'line', lineNo: 1, text: 'one' },
      { kind: 'line', lineNo: 4, text: 'two' },
      { kind: 'line', lineNo: 5, text: 'three' },
    ]);
    expect(summary).toMatchObject({ lines: 5, blank_lines: 2, gzip: false, truncated: false });
  });

  it('rejects invalid UTF-8 mid-file as invalid_utf8 and keeps valid U+FFFD text', async () => {
    const file = path.join(dir, 'utf8.log');
    const replacement = Buffer.from('ok \uFFFD literal', 'utf8');
    writeFileSync(file, Buffer.concat([Buffer.from('first\n'), Buffer.from([0x61, 0x62, 0xff, 0xfe, 0x63, 0x0a]), replacement, Buffer.from('\nlast\n')]));
    const { items } = await collect(file);
    expect(items.map((i) => i.kind)).toEqual(['line', 'error', 'line', 'line']);
    const e = items[1];
    if (e.kind !== 'error') throw new Error('not an error');
    expect(e.lineNo).toBe(2);
    expect(e.error.reason).toBe('invalid_utf8');
    expect(e.error.detail).toContain('offset 2');
    expect(items[2]).toEqual({ kind: 'line', lineNo: 3, text: 'ok \uFFFD literal' });
  });

  it('rejects a 5 MB line with a 64 KiB limit and reads the good lines after it', async () => {
    const file = path.join(dir, 'long.log');
    const big = 5 * 1024 * 1024;
    writeFileSync(file, Buffer.concat([Buffer.from('before\n'), Buffer.alloc(big, 0x41), Buffer.from('\r\nafter 1\nafter 2\n')]));
    const { items } = await collect(file, { maxLineBytes: 65536, chunkBytes: 64 * 1024 });
    expect(items.map((i) => i.lineNo)).toEqual([1, 2, 3, 4]);
    const e = items[1];
    if (e.kind !== 'error') throw new Error('not an error');
    expect(e.error.reason).toBe('line_too_long');
    expect(e.error.detail).toContain(`${big} bytes`);
    expect(e.error.detail).toContain('65536 bytes');
    expect(e.error.raw.length).toBeLessThanOrEqual(512);
    expect(items.slice(2).map((i) => (i.kind === 'line' ? i.text : ''))).toEqual(['after 1', 'after 2']);
  });

  it('splits lines across chunk boundaries and does not choke on long crafted lines', async () => {
    const file = path.join(dir, 'chunks.log');
    const crafted = '"'.repeat(30000) + '\\'.repeat(30000) + ' '.repeat(1000) + '\t'.repeat(1000);
    const lines = [...generated(300), crafted, ...generated(5)];
    writeFileSync(file, lines.join('\n') + '\n');
    const { items } = await collect(file, { chunkBytes: 97 });
    expect(items.map((i) => (i.kind === 'line' ? i.text : '?'))).toEqual(lines);
  });

  it('startLine skips lines already accounted for', async () => {
    const file = path.join(dir, 'resume.log');
    writeFileSync(file, 'l1\nl2\nl3\nl4\n');
    const { items, summary } = await collect(file, { startLine: 2 });
    expect(items.map((i) => i.lineNo)).toEqual([3, 4]);
    expect(summary).toMatchObject({ lines: 4, skipped_lines: 2 });
  });
});

describe('fingerprint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-fp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is kept when a log grows, shared by its gzip copy, and differs for other content', async () => {
    const text = generated(100).join('\n') + '\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(4096);
    const a = path.join(dir, 'a.log');
    writeFileSync(a, text);
    const before = await fingerprint(a);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    appendFileSync(a, 'one more line\n');
    expect(await fingerprint(a)).toBe(before);
    const gz = path.join(dir, 'a.log.gz');
    writeFileSync(gz, gzipSync(text));
    expect(await fingerprint(gz)).toBe(before);
    const other = path.join(dir, 'b.log');
    writeFileSync(other, 'rotated\n' + text);
    expect(await fingerprint(other)).not.toBe(before);
  });
});
