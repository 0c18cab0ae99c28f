import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CollectorModule } from './collector.module';

/** Starts the collector as a standalone Nest application context (no HTTP), shutting down on SIGTERM/SIGINT. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(CollectorModule);
  app.enableShutdownHooks();
  new Logger('collector').log('started');
}

void bootstrap();
