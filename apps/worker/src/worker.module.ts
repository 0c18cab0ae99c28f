import { Module } from '@nestjs/common';

/**
 * The worker process. worker jobs and readers are registered here as they are built
 * (DESIGN.md: apps/worker).
 */
@Module({})
export class WorkerModule {}
