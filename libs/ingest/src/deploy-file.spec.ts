import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openStore } from '@denytrace/store';
import { ingestEntry } from './ingest-paths';
import { isDeploySample } from './deploy-file';

describe('deploy-events files', () => {
  const good = (v: string) => JSON.stringify({ service: 'billing-api', version: v, environment: 'production', started_at: '2024-03-12T13:20:00Z', finished_at: '2024-03-12T13:24:05Z' });

  it('are recognised with a broken line among them; the good deploys are recorded, the broken line quarantined', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'denytrace-deploys-'));
    const store = await openStore({ dataDir: dir });
    try {
      const file = path.join(dir, 'deploys.jsonl');
      writeFileSync(file, `${good('2.15.0')}\n{"service":"b","version":\n${good('2.14.3')}\n`);
      const r = await ingestEntry({ file, fromFolder: false }, { store }, {});
      expect('summary' in r && r.summary).toMatchObject({ format: 'deploys', records: 2, stored: 2, rejected: 1, rejected_by_reason: { invalid_json: 1 } });
      expect((await store.listDeploys({})).map((d) => d.version).sort()).toEqual(['2.14.3', '2.15.0']);
      expect((await store.quarantineCounts())).toEqual([{ source_file: file, reason: 'invalid_json', count: 1 }]);
      // again: nothing new
      const again = await ingestEntry({ file, fromFolder: false }, { store }, {});
      expect('summary' in again && again.summary).toMatchObject({ stored: 0, already_ingested: true });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are not confused with app or WAF JSON', () => {
    expect(isDeploySample([good('1'), good('2')])).toBe(true);
    expect(isDeploySample(['{"ts":"2024-03-12T13:21:07.412Z","service":"billing-api","decision":"deny","status":403}'])).toBe(false);
    expect(isDeploySample([good('1'), '192.0.2.1 - - [12/Mar/2024:13:00:00 +0000] "GET / HTTP/1.1" 200 1'])).toBe(false);
  });
});
