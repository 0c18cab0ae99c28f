import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequireRole } from '@denytrace/http';
import type { Verdict } from '@denytrace/schema';
import { ErrorDoc } from '../common/error.doc';
import { ListTracesQuery } from './list-traces.query';
import { TracesService } from './traces.service';
import { VerdictDoc, VerdictPageDoc } from './verdict.dto';

/** `GET /v1/traces/:id` and `GET /v1/traces`: who refused a request (role `reader`). */
@ApiTags('traces')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: '`missing_api_key` or `unknown_api_key`', type: ErrorDoc })
@ApiForbiddenResponse({ description: '`insufficient_scope`: the key lacks the reader role', type: ErrorDoc })
@RequireRole('reader')
@Controller('v1/traces')
export class TracesController {
  constructor(private readonly traces: TracesService) {}

  @Get()
  @ApiOperation({ summary: 'List verdicts, newest first', description: 'The verdicts of `denytrace traces --json`, filtered and paged. Pass `next_cursor` back as `cursor` for the next page.' })
  @ApiOkResponse({ type: VerdictPageDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`, listing every bad field in `details`', type: ErrorDoc })
  list(@Query() query: ListTracesQuery): Promise<{ items: Verdict[]; next_cursor: string | null }> {
    return this.traces.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Who refused this request?', description: 'Any id the request carries, with or without its kind prefix: CloudFront request id / X-Amz-Cf-Id (`amzcf:`), X-Amzn-Trace-Id Root (`xray:`), X-Request-ID (`xrid:`), W3C trace id (`trace:`), Cloudflare Ray ID (`cfray:`), API Gateway request id (`apigw:`), or the trace_id.' })
  @ApiParam({ name: 'id', example: 'xray:1-65f043c0-5ea0e2470e8f99a64adf820d' })
  @ApiOkResponse({ type: VerdictDoc })
  @ApiNotFoundResponse({ description: '`not_found`: no verdict holds this id', type: ErrorDoc })
  get(@Param('id') id: string): Promise<Verdict> {
    return this.traces.get(id);
  }
}
