import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gzipTrailerSize, readCompleteLines, readContentHead, type CompleteLinesChunk } from './tail-read';

async function collect(path: string, o: Parameters<typeof readCompleteLines>[1]): Promise<{ texts: Array<[number, string]>; last?: CompleteLinesChunk }> {
  const texts: Array<[number, string]> = [];
  let last: CompleteLinesChunk | undefined;
  for await (const c of readCompleteLines(path, o)) {
    for (const i of c.items) texts.push([i.lineNo, i.kind === 'line' ? i.text : i.error.reason]);
    last = c;
  }
  return { texts, last };
}

describe('readCompleteLines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-tail-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops after the last newline, in any chunk size, and resumes there with line numbers continued', async () => {
    const p = join(dir, 'a.log');
    writeFileSync(p, '\uFEFFa\r\n\nbb\nccc'); // BOM 3 bytes, "a\r\n" 3, "\n" 1, "bb\n" 3 → offset 10
    for (const chunkBytes of [1, 2, 3, 1 << 20]) {
      const r = await collect(p, { offset: 0, end: 13, lines: 0, chunkBytes });
      expect(r.texts).toEqual([[1, 'a'], [3, 'bb']]);
      expect(r.last).toMatchObject({ offset: 10, lines: 3 });
    }
    appendFileSync(p, '\nd\n');
    const r = await collect(p, { offset: 10, end: 16, lines: 3, chunkBytes: 2 });
    expect(r.texts).toEqual([[4, 'ccc'], [5, 'd']]);
    expect(r.last).toMatchObject({ offset: 16, lines: 5 });
  });

  it('rejects an over-long line without holding it and goes on', async () => {
    const p = join(dir, 'long.log');
    writeFileSync(p, `ok\n${'y'.repeat(5000)}\nfine\n`);
    const r = await collect(p, { offset: 0, end: 5009, lines: 0, maxLineBytes: 1000, chunkBytes: 512 });
    expect(r.texts).toEqual([[1, 'ok'], [2, 'line_too_long'], [3, 'fine']]);
    expect(r.last?.offset).toBe(5009);
  });
});

describe('readContentHead and gzipTrailerSize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-tail-head-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the decompressed head of a gzip and its RFC 1952 ISIZE (content length mod 2^32)', async () => {
    const content = Buffer.from('line\n'.repeat(1000));
    const p = join(dir, 'a.gz');
    const gz = gzipSync(content);
    writeFileSync(p, gz);
    expect((await readContentHead(p, 1024, true)).equals(content.subarray(0, 1024))).toBe(true);
    expect(await gzipTrailerSize(p, gz.length)).toBe(content.length);
    const plain = join(dir, 'b.log');
    writeFileSync(plain, 'short\n');
    expect((await readContentHead(plain, 1024, false)).toString()).toBe('short\n');
  });
});
