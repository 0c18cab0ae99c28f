import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

/**
 * Starts the worker alone (scale-out): a Nest application context with no HTTP, processing the
 * `correlate` queue until SIGTERM/SIGINT, when active jobs finish before the store closes.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule);
  app.enableShutdownHooks();
  new Logger('worker').log('processing the correlate queue');
}

bootstrap().catch((err: unknown) => {
  new Logger('worker').error(`could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
