import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError, RequireRole, requestIdOf } from '@denytrace/http';
import { FORMATS } from '@denytrace/parsers';
import { PushIngestService, type PushResult } from './push-ingest.service';
import { pushContentType } from './raw-body.middleware';

const SOURCE_MAX = 256;
/** Content types a push may declare; absent is accepted too (curl, Logpush). */
const CONTENT_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'];

/**
 * `POST /v1/ingest` (role `ingester`): raw log lines, NDJSON, or a JSON array, plain or
 * `Content-Encoding: gzip`, answered 202 with what was accepted and rejected. The body is read as a
 * stream (see `hideBodyFromParsers`). Query: `format` forces a format (else detected per line group),
 * `source` names the stream in quarantine (default `http:<request id>`). Other query parameters are
 * ignored: shippers add their own (Cloudflare Logpush passes `tags=` through).
 */
@ApiTags('ingest')
@ApiBearerAuth()
@Controller('v1/ingest')
export class IngestController {
  constructor(private readonly service: PushIngestService) {}

  @Post()
  @HttpCode(202)
  @RequireRole('ingester')
  @ApiOperation({ summary: 'push log lines (role ingester)', description: 'Raw log lines, NDJSON or one JSON array; plain or Content-Encoding: gzip. Shipper envelopes (Vector, Fluent Bit) with the line in `message`/`log` are unwrapped. Written whole or not at all.' })
  @ApiConsumes('text/plain', 'application/x-ndjson', 'application/json')
  @ApiBody({ description: 'log lines', schema: { type: 'string', example: '203.0.113.5 - - [12/Mar/2024:12:00:00 +0000] "GET /admin/ HTTP/1.1" 403 146 "-" "curl/8.4.0"' } })
  @ApiQuery({ name: 'format', required: false, enum: FORMATS.map((f) => f.name), description: 'force one format (default: detected per group of lines)' })
  @ApiQuery({ name: 'source', required: false, description: 'names the stream in the quarantine (default http:<request id>)' })
  @ApiResponse({ status: 202, description: '{ accepted, rejected, rejected_by_reason, formats, stored, duplicates, already_ingested }' })
  @ApiResponse({ status: 400, description: 'bad_gzip (nothing written) or validation_failed (format, source)' })
  @ApiResponse({ status: 401, description: 'missing_api_key or unknown_api_key' })
  @ApiResponse({ status: 403, description: 'insufficient_scope: the key lacks the ingester role' })
  @ApiResponse({ status: 413, description: 'payload_too_large: over DENYTRACE_INGEST_MAX_BYTES (nothing written)' })
  @ApiResponse({ status: 415, description: 'unsupported_encoding or unsupported_media_type' })
  async ingest(@Req() req: Request): Promise<PushResult> {
    const { format, source } = this.query(req);
    const enc = (req.headers['content-encoding'] ?? '').toString().trim().toLowerCase();
    if (enc !== '' && enc !== 'identity' && enc !== 'gzip' && enc !== 'x-gzip') {
      throw new ApiError(415, 'unsupported_encoding', `Content-Encoding "${enc}" is not supported; send gzip or no encoding`);
    }
    const type = (pushContentType(req) ?? '').split(';')[0].trim().toLowerCase();
    if (type !== '' && !CONTENT_TYPES.includes(type)) {
      throw new ApiError(415, 'unsupported_media_type', `Content-Type "${type}" is not supported; send ${CONTENT_TYPES.slice(0, 5).join(', ')}`);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.service.maxCompressedBytes) {
      req.res?.setHeader('Connection', 'close');
      throw new ApiError(413, 'payload_too_large', `request body of ${declared} bytes is over the limit of ${this.service.maxCompressedBytes} bytes; nothing was written`);
    }
    return this.service.ingest(req, enc === 'gzip' || enc === 'x-gzip' ? 'gzip' : 'auto', { format, source: source ?? `http:${requestIdOf(req)}` });
  }

  /** `format` and `source`, validated: 400 `validation_failed` listing each bad one. */
  private query(req: Request): { format?: string; source?: string } {
    const details: Array<{ field: string; problems: string[] }> = [];
    const one = (name: string): string | undefined => {
      const v = req.query[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') {
        details.push({ field: name, problems: [`${name} must be given once, as a string`] });
        return undefined;
      }
      return v;
    };
    const format = one('format');
    const source = one('source');
    const names = FORMATS.map((f) => f.name);
    if (format !== undefined && !names.includes(format)) details.push({ field: 'format', problems: [`format must be one of: ${names.join(', ')}`] });
    if (source !== undefined && (source.length === 0 || source.length > SOURCE_MAX || /[\u0000-\u001f\u007f]/.test(source))) {
      details.push({ field: 'source', problems: [`source must be 1 to ${SOURCE_MAX} characters without control characters`] });
    }
    if (details.length > 0) throw new ApiError(400, 'validation_failed', `invalid ${details.map((d) => d.field).join(', ')}`, details);
    return { format, source };
  }
}
