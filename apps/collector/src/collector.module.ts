import { Module } from '@nestjs/common';

/**
 * The collector process. collector jobs and readers are registered here as they are built
 * (DESIGN.md: apps/collector).
 */
@Module({})
export class CollectorModule {}
