import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@denytrace/queue';
import { ApiModule } from './api.module';
import { HTTP_APP_OPTIONS } from './http-app-options';
import { setupOpenApi } from './openapi';

/** Starts the API alone on `PORT` (default 8080), bound to `HOST` (default 127.0.0.1). */
void startService('api', async (config) => {
  const app = await NestFactory.create(ApiModule.forRoot(config), HTTP_APP_OPTIONS);
  app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.port, config.host);
});
