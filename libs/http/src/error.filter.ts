import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequestIdMiddleware, requestIdOf } from './request-id.middleware';

/** The one error body (DESIGN.md "API conventions"). */
export interface ErrorBody {
  /** HTTP status phrase: `Bad Request`, `Forbidden` … */
  error: string;
  /** Stable machine word: `validation_failed`, `missing_api_key`, `insufficient_scope`, `not_found`, `payload_too_large` … */
  code: string;
  message: string;
  requestId: string;
  /** For validation errors: every bad field and why. */
  details?: Array<{ field: string; problems: string[] }>;
}

/** An HTTP error with a stable `code` (and optional details) for the error body. */
export class ApiError extends HttpException {
  constructor(status: number, readonly code: string, message: string, readonly details?: ErrorBody['details']) {
    super(message, status);
  }
}

const PHRASES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * Turns every error into `{ error, code, message, requestId }`. Unknown errors are 500 with a
 * generic message (the stack goes to the log with the request id, never to the client).
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    // A body the parsers refused (not JSON, too large) fails before Nest's middleware gave it an id.
    if (!requestIdOf(req) && !res.headersSent) new RequestIdMiddleware().use(req, res, () => undefined);
    const requestId = requestIdOf(req);
    let status = HttpStatus.INTERNAL_SERVER_ERROR;
    let code = 'internal_error';
    let message = 'internal error; quote the request id when reporting it';
    let details: ErrorBody['details'];
    if (exception instanceof ApiError) {
      status = exception.getStatus();
      code = exception.code;
      message = exception.message;
      details = exception.details;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const r = exception.getResponse();
      message = typeof r === 'string' ? r : String((r as { message?: unknown }).message ?? exception.message);
      code = status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status === 400 ? 'bad_request' : `http_${status}`;
    } else if ((exception as { type?: string; status?: number })?.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
      message = 'request body too large';
    } else {
      this.log.error(`${requestId} ${(exception as Error)?.stack ?? String(exception)}`);
    }
    const body: ErrorBody = { error: PHRASES[status] ?? 'Error', code, message, requestId };
    if (details) body.details = details;
    if (!res.headersSent) res.status(status).json(body);
  }
}
