import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@denytrace/config';
import { ApiModule } from './api.module';
import { setupOpenApi } from './openapi';

/** Starts the API alone on `PORT` (default 8080), bound to `HOST` (default 127.0.0.1). */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create(ApiModule.forRoot(config));
  app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.port, config.host);
}

bootstrap().catch((e: unknown) => {
  // A bad environment is one message listing every bad variable, not a stack trace.
  process.stderr.write(`denytrace api: ${e instanceof ConfigError ? e.message : ((e as Error)?.stack ?? String(e))}\n`);
  process.exit(1);
});
