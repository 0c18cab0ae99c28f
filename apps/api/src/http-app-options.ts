import type { NestApplicationOptions } from '@nestjs/common';

/**
 * Options every HTTP app serving the API is created with (`NestFactory.create(module, { ...HTTP_APP_OPTIONS, … })`):
 * `rawBody: true` keeps the bytes of JSON and urlencoded bodies as `req.rawBody`, which
 * `POST /v1/deploys/github` needs to check GitHub's signature. It changes nothing for the collector's
 * `POST /v1/ingest`, whose body never reaches the parsers (its Content-Type is moved aside first),
 * so pushes stay streamed.
 */
export const HTTP_APP_OPTIONS = { rawBody: true } as const satisfies NestApplicationOptions;
