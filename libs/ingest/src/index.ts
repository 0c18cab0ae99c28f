export * from './line-reader';
export * from './fingerprint';
export * from './minute-counters';
export * from './format-registry';
export * from './ingest-file';
export * from './ingest-paths';
