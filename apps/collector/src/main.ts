import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startService } from '@denytrace/queue';
import { CollectorModule } from './collector.module';

/**
 * Starts the collector alone on `DENYTRACE_COLLECTOR_PORT` (default 8081) and `HOST`, shutting down on
 * SIGTERM/SIGINT (in-flight pushes finish, then the store and queues close).
 */
void startService('collector', async (config) => {
  const app = await NestFactory.create(CollectorModule);
  app.enableShutdownHooks();
  await app.listen(config.collectorPort, config.host);
  new Logger('collector').log(`listening on ${config.host}:${config.collectorPort} (POST /v1/ingest)`);
});
