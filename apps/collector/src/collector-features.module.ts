import { Module } from '@nestjs/common';
import { PushModule } from './push/push.module';
import { TailModule } from './tail/tail.module';

/**
 * The collector's features (controllers and providers only): HTTP push `POST /v1/ingest` and folder
 * tailing (`DENYTRACE_WATCH`). Config, store, queue, metrics and HTTP conventions come from the root
 * module that imports it (`CollectorModule`, or `denytrace serve`).
 */
@Module({ imports: [PushModule, TailModule] })
export class CollectorFeaturesModule {}
