import { Module } from '@nestjs/common';
import { CorrelateProcessor } from './correlate/correlate.processor';
import { CorrelateService } from './correlate/correlate.service';
import { WORKER_CLOCK, type WorkerClock } from './correlate/worker-clock';
import { AlertProcessor } from './alert/alert.processor';
import { AlertService } from './alert/alert.service';
import { DetectProcessor } from './detect/detect.processor';
import { DetectService } from './detect/detect.service';

/**
 * The worker's features: the `correlate` processor deciding windows, the `detect` processor finding
 * spikes, the `alert` processor delivering webhooks. No
 * Config/Store/Queue/Metrics imports: the root module (`WorkerModule`) or `denytrace serve`
 * provides them once per process.
 */
@Module({
  providers: [CorrelateService, CorrelateProcessor, DetectService, DetectProcessor, AlertService, AlertProcessor, { provide: WORKER_CLOCK, useValue: (() => Date.now()) satisfies WorkerClock }],
})
export class WorkerFeaturesModule {}
