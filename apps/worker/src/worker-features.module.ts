import { Module } from '@nestjs/common';
import { CorrelateProcessor } from './correlate/correlate.processor';
import { CorrelateService } from './correlate/correlate.service';
import { WORKER_CLOCK, type WorkerClock } from './correlate/worker-clock';

/**
 * The worker's features: the `correlate` queue processor and the service deciding windows. No
 * Config/Store/Queue/Metrics imports: the root module (`WorkerModule`) or `denytrace serve`
 * provides them once per process.
 */
@Module({
  providers: [CorrelateService, CorrelateProcessor, { provide: WORKER_CLOCK, useValue: (() => Date.now()) satisfies WorkerClock }],
})
export class WorkerFeaturesModule {}
