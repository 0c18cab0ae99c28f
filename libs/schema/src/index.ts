export * from './event';
export * from './event-id';
export * from './correlation-ids';
export * from './verdict';
export * from './route-template';
export * from './deploy';
export * from './spike';
export * from './webhook';
