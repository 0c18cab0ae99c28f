import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from './list-files';

describe('listFiles', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-list-'));
    mkdirSync(join(dir, 'nginx'));
    mkdirSync(join(dir, '.cache'));
    for (const f of ['nginx/access.log', 'nginx/access.log.1.gz', 'app.log', '.hidden.log', '.cache/x.log']) writeFileSync(join(dir, f), 'x\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a folder recursively, sorted, without hidden entries', async () => {
    expect(await listFiles(dir)).toEqual([join(dir, 'app.log'), join(dir, 'nginx/access.log'), join(dir, 'nginx/access.log.1.gz')]);
  });

  it('a watched file is that file; a missing path is nothing', async () => {
    expect(await listFiles(join(dir, 'app.log'))).toEqual([join(dir, 'app.log')]);
    expect(await listFiles(join(dir, 'nope'))).toEqual([]);
  });
});
