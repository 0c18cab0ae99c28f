import { Module } from '@nestjs/common';
import { ConfigModule } from '@denytrace/config';
import { MetricsModule } from '@denytrace/metrics';
import { QueueModule } from '@denytrace/queue';
import { StoreModule } from '@denytrace/store';
import { WorkerFeaturesModule } from './worker-features.module';

/**
 * The worker process run alone (scale-out, DESIGN.md: apps/worker): configuration validated from the
 * environment, the store, the queues, metrics, and the worker's features. No HTTP.
 */
@Module({
  imports: [ConfigModule.forRoot(), StoreModule, QueueModule, MetricsModule, WorkerFeaturesModule],
})
export class WorkerModule {}
