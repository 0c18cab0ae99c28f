import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

describe('WorkerModule', () => {
  it('boots as an application context and closes', async () => {
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    expect(app.get(WorkerModule)).toBeInstanceOf(WorkerModule);
    await app.close();
  });
});
