import { Module } from '@nestjs/common';
import { TailService } from './tail.service';

/**
 * Folder tailing for the collector: provides {@link TailService}, which polls `DENYTRACE_WATCH` from
 * bootstrap to shutdown. Needs the global config, store, queue and metrics modules from the root
 * module (it imports none of them, so `serve` can hold it once beside the other features).
 */
@Module({ providers: [TailService], exports: [TailService] })
export class TailModule {}
