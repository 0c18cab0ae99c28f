import { NestFactory } from '@nestjs/core';
import { CollectorModule } from './collector.module';

describe('CollectorModule', () => {
  it('boots as an application context and closes', async () => {
    const app = await NestFactory.createApplicationContext(CollectorModule, { logger: false });
    expect(app.get(CollectorModule)).toBeInstanceOf(CollectorModule);
    await app.close();
  });
});
