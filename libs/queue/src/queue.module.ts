import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DENYTRACE_CONFIG, type DenytraceConfig } from '@denytrace/config';
import { CORRELATE_QUEUE } from './correlate.job';
import { CorrelateProducer } from './correlate.producer';
import { ALERT_QUEUE, DETECT_QUEUE, DetectProducer } from './detect.job';

/** BullMQ connection options from REDIS_URL (ioredis parses the URL); `maxRetriesPerRequest: null` as BullMQ workers require. */
export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}

/**
 * Redis connection, queue key prefix (`DENYTRACE_QUEUE_PREFIX`) and the queues, plus the producer
 * facade. Every app that enqueues or processes imports this module.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [DENYTRACE_CONFIG],
      useFactory: (c: DenytraceConfig) => ({ connection: redisConnection(c.redisUrl), prefix: c.queuePrefix }),
    }),
    BullModule.registerQueue({ name: CORRELATE_QUEUE }, { name: DETECT_QUEUE }, { name: ALERT_QUEUE }),
  ],
  providers: [
    { provide: CorrelateProducer, inject: [getQueueToken(CORRELATE_QUEUE)], useFactory: (q: Queue) => new CorrelateProducer(q) },
    { provide: DetectProducer, inject: [getQueueToken(DETECT_QUEUE)], useFactory: (q: Queue) => new DetectProducer(q) },
  ],
  exports: [BullModule, CorrelateProducer, DetectProducer],
})
export class QueueModule {}
