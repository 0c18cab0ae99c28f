import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openStore } from '@denytrace/store';
import { ingestFile } from './ingest-file';
import { MAX_DRIFT_FIELDS, OTHER_FIELDS, countUnknownFields } from './format-drift';

describe('format drift', () => {
  it('counts a CloudFront column the parser does not know, per record, in the file summary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'denytrace-drift-'));
    const store = await openStore({ dataDir: dir });
    try {
      // the documented first columns, plus one a future CloudFront version might add
      const header = '#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status x-edge-request-id x-new-thing';
      const line = (i: number) => `2024-03-12\t12:00:0${i}\tFRA56-P1\t440\t192.0.2.${i}\tGET\td1.cloudfront.net\t/v1/x\t200\treq${i}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\tnew${i}`;
      const file = path.join(dir, 'cf.log');
      writeFileSync(file, `${header}\n${line(1)}\n${line(2)}\n${line(3)}\n`);
      const s = await ingestFile(file, { store }, { format: 'aws-cloudfront' });
      expect(s.records).toBe(3);
      expect(s.unknown_fields).toEqual({ 'aws.cloudfront/x-new-thing': 3 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps at most MAX_DRIFT_FIELDS names, the rest under (other)', () => {
    const into: Record<string, number> = {};
    const extra = Object.fromEntries(Array.from({ length: MAX_DRIFT_FIELDS + 3 }, (_, i) => [`f${i}`, 'v']));
    countUnknownFields({ event: { dataset: 'x' }, denytrace: { extra_fields: extra } } as never, into);
    expect(Object.keys(into)).toHaveLength(MAX_DRIFT_FIELDS + 1);
    expect(into[OTHER_FIELDS]).toBe(3);
  });
});
