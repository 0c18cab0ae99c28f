import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { CORRELATE_QUEUE, redisConnection } from '@denytrace/queue';
import { CollectorModule } from './collector.module';

describe('CollectorModule', () => {
  it('boots from the environment as an application context and closes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'denytrace-collector-'));
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const saved = { ...process.env };
    Object.assign(process.env, { DENYTRACE_DATA_DIR: dataDir, DENYTRACE_QUEUE_PREFIX: prefix });
    try {
      const app = await NestFactory.createApplicationContext(CollectorModule, { logger: false });
      expect(app.get(CollectorModule)).toBeInstanceOf(CollectorModule);
      await app.close();
    } finally {
      process.env = saved;
      const q = new Queue(CORRELATE_QUEUE, { connection: redisConnection('redis://127.0.0.1:6379'), prefix });
      await q.obliterate({ force: true });
      await q.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
