import { randomBytes } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Longest incoming X-Request-Id accepted as is; longer or odd ones are replaced. */
const MAX_ID = 128;
const SAFE = /^[A-Za-z0-9._:\/=+-]+$/;

/** The request id of a request (set by {@link RequestIdMiddleware}). */
export function requestIdOf(req: Request): string {
  return (req as Request & { requestId?: string }).requestId ?? '';
}

/**
 * Every response carries `X-Request-Id` (DESIGN.md "API conventions"): the caller's, when it is a
 * sane token (≤ 128 safe characters), else a new `req_<hex>`.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const given = req.header('x-request-id');
    const id = given && given.length <= MAX_ID && SAFE.test(given) ? given : `req_${randomBytes(6).toString('hex')}`;
    (req as Request & { requestId?: string }).requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  }
}
