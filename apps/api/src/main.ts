import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from './api.module';

/** Starts the API on `PORT` (default 8080), bound to 127.0.0.1 unless `HOST` says otherwise. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(ApiModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 8080);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
}

void bootstrap();
