import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { RequestIdMiddleware } from '@denytrace/http';

/** Where the OpenAPI document and its UI are served (public). */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** The OpenAPI 3 document of every controller registered in `app`, with the bearer API-key scheme. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('denytrace API')
    .setDescription(
      'Who said 403? Verdicts naming the emitting layer and decisive rule of refused requests, summaries for dashboards, spikes, deploys (also from GitHub deployment_status webhooks), alert webhook subscriptions, health and metrics. ' +
        'Send an API key as `Authorization: Bearer <key>` (roles reader, ingester, admin). Errors use one shape: `{ error, code, message, requestId, details? }`. ' +
        'Every response carries `X-Request-Id`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'an API key from DENYTRACE_API_KEYS' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the OpenAPI document at `/docs-json` and Swagger UI at `/docs` (@nestjs/swagger). Call it
 * once on the app, after creating it and before `listen`/`init`. The documents are served outside
 * Nest's routing, so they get their `X-Request-Id` here.
 */
export function setupOpenApi(app: INestApplication): void {
  const requestId = new RequestIdMiddleware();
  const withRequestId = (req: Request, res: Response, next: NextFunction) => requestId.use(req, res, next);
  app.use(`/${DOCS_PATH}`, withRequestId);
  app.use(`/${DOCS_JSON_PATH}`, withRequestId);
  SwaggerModule.setup(DOCS_PATH, app, () => createOpenApiDocument(app), { jsonDocumentUrl: DOCS_JSON_PATH, yamlDocumentUrl: 'docs-yaml' });
}
