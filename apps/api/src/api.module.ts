import { Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';

/** The HTTP API. Request lookup, summaries, spikes, deploys and webhooks are added feature by feature. */
@Module({ controllers: [HealthController] })
export class ApiModule {}
