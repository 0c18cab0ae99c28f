export * from './network-table';
export { splitCsvLine } from './csv';
