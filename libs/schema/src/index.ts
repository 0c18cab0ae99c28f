export * from './event';
export * from './event-id';
export * from './correlation-ids';
export * from './verdict';
export * from './route-template';
