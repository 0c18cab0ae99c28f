import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startService } from '@denytrace/queue';
import { WorkerModule } from './worker.module';

/**
 * Starts the worker alone (scale-out): a Nest application context with no HTTP, processing the
 * `correlate` queue until SIGTERM/SIGINT, when active jobs finish before the store closes.
 */
void startService('worker', async () => {
  const app = await NestFactory.createApplicationContext(WorkerModule);
  app.enableShutdownHooks();
  new Logger('worker').log('processing the correlate queue');
});
