import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';

/** The route whose body is read as a stream by the push controller. */
export const INGEST_PATH = '/v1/ingest';

/** Where the hidden Content-Type of a push request is kept. */
const STASH = Symbol('denytrace:content-type');

/** The Content-Type the sender gave (hidden from express's body parsers by {@link hideBodyFromParsers}). */
export function pushContentType(req: Request): string | undefined {
  return (req as Request & { [STASH]?: string })[STASH] ?? req.headers['content-type'];
}

/**
 * Express middleware for `POST /v1/ingest` only: keeps the body away from express's body parsers.
 *
 * Why: Nest registers `express.json()` and `express.urlencoded()` for the whole app (bodyParser is on
 * by default, and the API's JSON routes need it). They would read an `application/json` push (Vector
 * `encoding.codec = "json"`, Fluent Bit `format json`) or a `curl --data-binary` push
 * (`application/x-www-form-urlencoded`) whole into memory with their 100 kB limit — not streamed, not
 * gzip-aware on our terms, and answered with their own 413. body-parser 2 parses only when the
 * Content-Type matches (`type-is`), so this middleware moves the header aside for this one route
 * (the controller reads it back with {@link pushContentType}); every other route keeps JSON parsing.
 * It must run before the parsers, see {@link PushBodyHook}.
 */
export function hideBodyFromParsers(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'POST' && req.headers['content-type'] !== undefined) {
    (req as Request & { [STASH]?: string })[STASH] = req.headers['content-type'];
    delete req.headers['content-type'];
  }
  next();
}

/**
 * Installs {@link hideBodyFromParsers} on the express instance as soon as the push feature is
 * instantiated. Nest creates providers inside `NestFactory.create` (the HTTP adapter already set) and
 * registers its body parsers later, in `app.init()`; so a middleware added here runs before them in
 * every app that imports the push feature (the collector alone, or `denytrace serve`), with
 * `bodyParser` on or off. An app built as `Test.createTestingModule(…).compile()` then
 * `createNestApplication()` has no adapter yet at this point: call
 * `app.use(INGEST_PATH, hideBodyFromParsers)` before `app.init()` there (a warning says so).
 */
@Injectable()
export class PushBodyHook {
  constructor(adapterHost: HttpAdapterHost) {
    const adapter = adapterHost.httpAdapter;
    if (adapter && typeof adapter.use === 'function') {
      adapter.use(INGEST_PATH, hideBodyFromParsers);
    } else {
      new Logger('collector').warn(`no HTTP adapter yet: call app.use('${INGEST_PATH}', hideBodyFromParsers) before app.init() so that pushed bodies are streamed`);
    }
  }
}
