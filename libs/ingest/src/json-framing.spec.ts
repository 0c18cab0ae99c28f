import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLines, type LineItem, type ReadSummary } from './line-reader';
import { decideFraming, JsonArraySplitter } from './json-array-splitter';

/** Every item and the summary of a file read with `chunkBytes` (small chunks cut records anywhere). */
async function collect(file: string, chunkBytes = 7): Promise<{ items: LineItem[]; summary: ReadSummary }> {
  const items: LineItem[] = [];
  let summary: ReadSummary | undefined;
  for await (const item of readLines(file, { chunkBytes })) {
    if (item.kind === 'summary') summary = item.summary;
    else items.push(item);
  }
  return { items, summary: summary! };
}

const texts = (items: LineItem[]) => items.filter((i) => i.kind === 'line').map((i) => JSON.parse((i as { text: string }).text));
const lineNos = (items: LineItem[]) => items.map((i) => i.lineNo);

// Hand-made records; their start lines are counted by hand in each test.
const A = { eventVersion: '1.08', eventName: 'A', note: 'brace } and bracket ] in a "string" \\ here' };
const B = { eventVersion: '1.08', eventName: 'B', nested: { list: [1, { x: '[' }] } };
const C = { eventVersion: '1.08', eventName: 'C' };

describe('file framing of JSON documents', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'denytrace-framing-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('JSON lines stay lines (one record a line, numbered by line)', async () => {
    const { items, summary } = await collect(write('a.jsonl', [A, B, C].map((r) => JSON.stringify(r)).join('\n') + '\n'));
    expect(texts(items)).toEqual([A, B, C]);
    expect(lineNos(items)).toEqual([1, 2, 3]);
    expect(summary.lines).toBe(3);
  });

  it('one pretty-printed JSON array: one record per element, numbered by the line where it starts', async () => {
    // line 1 "[", A starts on line 2 and spans 5 lines (JSON.stringify with indent), B starts after it …
    const body = JSON.stringify([A, B, C], null, 2);
    const starts = body.split('\n').map((l, i) => [l, i + 1] as const).filter(([l]) => l === '  {').map(([, n]) => n);
    const { items, summary } = await collect(write('b.json', body));
    expect(texts(items)).toEqual([A, B, C]);
    expect(lineNos(items)).toEqual(starts);
    expect(summary.lines).toBe(body.split('\n').length);
  });

  it('a compact array on one line: every record is on line 1', async () => {
    const { items } = await collect(write('c.json', JSON.stringify([A, B, C])));
    expect(texts(items)).toEqual([A, B, C]);
    expect(lineNos(items)).toEqual([1, 1, 1]);
  });

  it('CloudTrail S3 delivery {"Records":[…]} (gzip, one line) and Azure {"records":[…]} (pretty)', async () => {
    const ct = await collect(write('ct.json.gz', gzipSync(JSON.stringify({ Records: [A, B, C] }))));
    expect(texts(ct.items)).toEqual([A, B, C]);
    const pretty = JSON.stringify({ records: [A, C] }, null, 4);
    const az = await collect(write('az.json', `\uFEFF${pretty}\n`));
    expect(texts(az.items)).toEqual([A, C]);
    // "{", "    \"records\": [", then each record opens with "        {"
    const starts = pretty.split('\n').map((l, i) => [l, i + 1] as const).filter(([l]) => l === '        {').map(([, n]) => n);
    expect(starts).toEqual([3, 8]);
    expect(lineNos(az.items)).toEqual(starts);
  });

  it('pretty-printed objects one after another (documentation style), with a BOM on the second', async () => {
    const body = `${JSON.stringify(A, null, 6)}\n\uFEFF${JSON.stringify(B, null, 2)}\n\n${JSON.stringify(C, null, 2)} \n`;
    const lenA = JSON.stringify(A, null, 6).split('\n').length;
    const lenB = JSON.stringify(B, null, 2).split('\n').length;
    const { items } = await collect(write('d.json', body));
    expect(texts(items)).toEqual([A, B, C]);
    expect(lineNos(items)).toEqual([1, 1 + lenA, 1 + lenA + lenB + 1]);
  });

  it('a truncated array keeps the complete records and rejects the cut one as invalid_json', async () => {
    const full = JSON.stringify([A, B, C], null, 2);
    const cut = full.slice(0, full.indexOf('"C"') + 2);
    const { items, summary } = await collect(write('e.json', cut));
    expect(texts(items)).toEqual([A, B]);
    const errors = items.filter((i) => i.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].kind === 'error' && errors[0].error.reason).toBe('invalid_json');
    expect(summary.rejected).toBe(1);
  });

  it('a broken element is one record (the parser rejects it), the rest go through', async () => {
    const body = `[\n${JSON.stringify(A)},\n{"eventVersion": "1.08", "eventName": oops},\n${JSON.stringify(C)}\n]\n`;
    const { items } = await collect(write('f.json', body));
    expect(items).toHaveLength(3);
    expect(lineNos(items)).toEqual([2, 3, 4]);
    expect(() => JSON.parse((items[1] as { text: string }).text)).toThrow();
    expect(JSON.parse((items[2] as { text: string }).text)).toEqual(C);
  });

  it('text logs, and text lines starting with [, stay lines', () => {
    expect(decideFraming(Buffer.from('[Wed Oct 11 14:32:52 2000] [error] x\n'), true)).toBe('lines');
    expect(decideFraming(Buffer.from('192.0.2.1 - - [12/Mar/2024:14:20:00 +0000] "GET / HTTP/1.1" 200 1\n'), true)).toBe('lines');
    expect(decideFraming(Buffer.from('{"a":1}\n{"a":2}\n'), true)).toBe('lines');
    expect(decideFraming(Buffer.from('{\n  "a": 1\n}\n'), true)).toBe('objects');
    expect(decideFraming(Buffer.from('{"a":'), false)).toBeUndefined();
  });

  it('a record over the size limit is one line_too_long rejection and reading goes on', () => {
    const s = new JsonArraySplitter(64, { framing: 'objects', numberBy: 'line' });
    const big = JSON.stringify({ x: 'y'.repeat(200) });
    const items = [...s.push(Buffer.from(`${big}\n${JSON.stringify(C)}\n`)), ...s.end()];
    expect(items.map((i) => (i.kind === 'error' ? i.error.reason : 'line'))).toEqual(['line_too_long', 'line']);
    expect(lineNos(items)).toEqual([1, 2]);
  });
});
