import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ErrorFilter } from './error.filter';
import { RequestIdMiddleware } from './request-id.middleware';
import { createValidationPipe } from './validation';

/**
 * The HTTP conventions of every denytrace app (DESIGN.md "API conventions"): `X-Request-Id` on every
 * response, one JSON error shape, API keys with roles, class-validator on every input.
 * Import it once in each HTTP app's root module.
 */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ErrorFilter },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class HttpCommonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
