import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { QueueStatsService } from './queues/queue-stats.service';
import { SummaryController } from './summary/summary.controller';
import { SummaryService } from './summary/summary.service';
import { TracesController } from './traces/traces.controller';
import { TracesService } from './traces/traces.service';

/**
 * The API's controllers and services, without infrastructure: it expects the global config, store,
 * queue and metrics modules and `HttpCommonModule` from the root module (`ApiModule` alone,
 * `denytrace serve` with the other apps).
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', logger: false })],
  controllers: [TracesController, SummaryController, HealthController, MetricsController],
  providers: [TracesService, SummaryService, QueueStatsService],
})
export class ApiFeaturesModule {}
