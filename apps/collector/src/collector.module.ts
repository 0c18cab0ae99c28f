import { Module } from '@nestjs/common';
import { ConfigModule } from '@denytrace/config';
import { HttpCommonModule } from '@denytrace/http';
import { MetricsModule } from '@denytrace/metrics';
import { QueueModule } from '@denytrace/queue';
import { StoreModule } from '@denytrace/store';
import { CollectorFeaturesModule } from './collector-features.module';

/**
 * The collector running alone (scale-out): configuration from the environment, the store, Redis
 * queues, metrics and the HTTP conventions, plus the collector's features. `denytrace serve` imports
 * `CollectorFeaturesModule` instead, next to the API's and the worker's.
 */
@Module({ imports: [ConfigModule.forRoot(), StoreModule, QueueModule, MetricsModule, HttpCommonModule, CollectorFeaturesModule] })
export class CollectorModule {}
