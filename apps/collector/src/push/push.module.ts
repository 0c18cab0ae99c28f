import { Module } from '@nestjs/common';
import { IngestController } from './ingest.controller';
import { PushIngestService } from './push-ingest.service';
import { PushBodyHook } from './raw-body.middleware';

/**
 * HTTP push into the collector: `POST /v1/ingest`. Needs the config, store, queue and metrics
 * modules from the root (global), and `HttpCommonModule` for auth and the error shape.
 */
@Module({ controllers: [IngestController], providers: [PushIngestService, PushBodyHook] })
export class PushModule {}
