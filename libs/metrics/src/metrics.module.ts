import { Global, Module } from '@nestjs/common';
import { DenytraceMetrics } from './metrics';

/** One {@link DenytraceMetrics} registry per process, shared by every module in it. */
@Global()
@Module({ providers: [DenytraceMetrics], exports: [DenytraceMetrics] })
export class MetricsModule {}
