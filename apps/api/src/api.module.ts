import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type DenytraceConfig } from '@denytrace/config';
import { HttpCommonModule } from '@denytrace/http';
import { MetricsModule } from '@denytrace/metrics';
import { QueueModule } from '@denytrace/queue';
import { StoreModule } from '@denytrace/store';
import { ApiFeaturesModule } from './api-features.module';

/**
 * The API running alone: configuration (validated from the environment, or `config` in tests), the
 * store, the queues, metrics and the HTTP conventions, plus the API's features. Start it with
 * `ApiModule.forRoot()` and call `setupOpenApi(app)` before `listen`.
 */
@Module({})
export class ApiModule {
  static forRoot(config?: DenytraceConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), StoreModule, QueueModule, MetricsModule, HttpCommonModule, ApiFeaturesModule],
    };
  }
}
