import { rmSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { testConfig, obliterate, queueOf } from './testing/worker-harness';
import { WorkerModule } from './worker.module';

describe('WorkerModule', () => {
  it('boots from the environment as an application context, registers the sweep, and closes', async () => {
    const config = testConfig();
    const saved = { ...process.env };
    Object.assign(process.env, { DENYTRACE_DATA_DIR: config.dataDir, DENYTRACE_QUEUE_PREFIX: config.queuePrefix });
    const queue = queueOf(config);
    try {
      const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
      expect(app.get(WorkerModule)).toBeInstanceOf(WorkerModule);
      expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['correlate-sweep']);
      await app.close();
    } finally {
      process.env = saved;
      await obliterate(queue);
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
