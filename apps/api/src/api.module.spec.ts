import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { ApiModule } from './api.module';

describe('ApiModule', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const ref = await Test.createTestingModule({ imports: [ApiModule] }).compile();
    app = ref.createNestApplication();
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => app?.close());

  it('boots and answers GET /health', async () => {
    const res = await fetch(`${await app.getUrl()}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', service: 'denytrace-api' });
  });
});
