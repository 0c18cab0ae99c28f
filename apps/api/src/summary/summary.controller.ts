import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequireRole } from '@denytrace/http';
import { ErrorDoc } from '../common/error.doc';
import { SummaryDoc } from './summary.dto';
import { SummaryQuery } from './summary.query';
import { SummaryService, type Summary } from './summary.service';

/** `GET /v1/summary`: verdict counts over time for dashboards (role `reader`). */
@ApiTags('summary')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: '`missing_api_key` or `unknown_api_key`', type: ErrorDoc })
@ApiForbiddenResponse({ description: '`insufficient_scope`', type: ErrorDoc })
@RequireRole('reader')
@Controller('v1/summary')
export class SummaryController {
  constructor(private readonly summaries: SummaryService) {}

  @Get()
  @ApiOperation({ summary: 'Refusals over time by layer, rule, country, network or route', description: 'Verdicts with the given status counted by `groupBy` in time buckets (first_seen), every bucket of the range listed, ready for a stacked chart.' })
  @ApiOkResponse({ type: SummaryDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`, listing every bad field in `details`', type: ErrorDoc })
  summary(@Query() query: SummaryQuery): Promise<Summary> {
    return this.summaries.summary(query);
  }
}
