export * from './correlate.job';
export * from './correlate.producer';
