import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardFiles } from './dashboard/dashboard-files';
import { DeploysController } from './deploys/deploys.controller';
import { DeploysService } from './deploys/deploys.service';
import { GithubWebhookController } from './deploys/github-webhook.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { QueueStatsService } from './queues/queue-stats.service';
import { SpikesController } from './spikes/spikes.controller';
import { SpikesService } from './spikes/spikes.service';
import { SummaryController } from './summary/summary.controller';
import { SummaryService } from './summary/summary.service';
import { TracesController } from './traces/traces.controller';
import { TracesService } from './traces/traces.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

/**
 * The API's controllers and services, without infrastructure: it expects the global config, store,
 * queue and metrics modules and `HttpCommonModule` from the root module (`ApiModule` alone,
 * `denytrace serve` with the other apps).
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', logger: false })],
  controllers: [TracesController, SummaryController, SpikesController, GithubWebhookController, DeploysController, WebhooksController, HealthController, MetricsController, DashboardController],
  providers: [TracesService, SummaryService, SpikesService, DeploysService, WebhooksService, QueueStatsService, { provide: DashboardFiles, useFactory: () => new DashboardFiles() }],
})
export class ApiFeaturesModule {}
