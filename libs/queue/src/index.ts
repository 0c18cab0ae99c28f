export * from './correlate.job';
export * from './correlate.producer';
export * from './detect.job';
export * from './queue.module';
export * from './redis-check';
export * from './startup';
export * from './shutdown-guard';
