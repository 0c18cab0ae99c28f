import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type DenytraceConfig } from '@denytrace/config';
import { HttpCommonModule } from '@denytrace/http';
import { MetricsModule } from '@denytrace/metrics';
import { QueueModule } from '@denytrace/queue';
import { StoreModule } from '@denytrace/store';
import { ApiFeaturesModule } from '../../../api/src/api-features.module';
import { CollectorFeaturesModule } from '../../../collector/src/collector-features.module';
import { WorkerFeaturesModule } from '../../../worker/src/worker-features.module';

/**
 * API + collector + worker in one process (`denytrace serve`): the three apps' feature modules over
 * one configuration, one store, one Redis connection set and one metrics registry.
 */
@Module({})
export class ServeModule {
  static forRoot(config: DenytraceConfig, parts: { worker?: boolean } = {}): DynamicModule {
    return {
      module: ServeModule,
      imports: [
        ConfigModule.forRoot(config),
        StoreModule,
        QueueModule,
        MetricsModule,
        HttpCommonModule,
        ApiFeaturesModule,
        CollectorFeaturesModule,
        ...(parts.worker === false ? [] : [WorkerFeaturesModule]),
      ],
    };
  }
}
