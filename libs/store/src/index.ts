export * from './event-store';
export * from './store-error';
export * from './open-store';
export * from './trace-cursor';
export { isoToMs, msToIso } from './time-range';
export { SqliteEventStore, type SqliteStoreOptions } from './sqlite/sqlite-event.store';
export { ElasticsearchEventStore, type ElasticsearchStoreOptions } from './elasticsearch/elasticsearch-event.store';
export * from './store.module';
export * from './detection-store';
