export * from './api-key.guard';
export * from './error.filter';
export * from './http-common.module';
export * from './request-id.middleware';
export * from './validation';
