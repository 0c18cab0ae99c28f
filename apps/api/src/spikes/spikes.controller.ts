import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequireRole } from '@denytrace/http';
import type { Spike } from '@denytrace/schema';
import { ErrorDoc } from '../common/error.doc';
import { ListSpikesQuery } from './list-spikes.query';
import { SpikeDoc, SpikePageDoc } from './spike.doc';
import { SpikesService } from './spikes.service';

/** `GET /v1/spikes` and `GET /v1/spikes/:id`: what spike detection found (role `reader`). */
@ApiTags('spikes')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: '`missing_api_key` or `unknown_api_key`', type: ErrorDoc })
@ApiForbiddenResponse({ description: '`insufficient_scope`: the key lacks the reader role', type: ErrorDoc })
@RequireRole('reader')
@Controller('v1/spikes')
export class SpikesController {
  constructor(private readonly spikes: SpikesService) {}

  @Get()
  @ApiOperation({ summary: 'List spikes, newest first', description: 'Spikes overlapping [since, until), firing or resolved. Pass `next_cursor` back as `cursor` for the next page.' })
  @ApiOkResponse({ type: SpikePageDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`, listing every bad field in `details`', type: ErrorDoc })
  list(@Query() query: ListSpikesQuery): Promise<{ items: Spike[]; next_cursor: string | null }> {
    return this.spikes.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One spike' })
  @ApiParam({ name: 'id', example: 'spk_2024-03-12T14:50Z_geo_BR' })
  @ApiOkResponse({ type: SpikeDoc })
  @ApiNotFoundResponse({ description: '`not_found`', type: ErrorDoc })
  get(@Param('id') id: string): Promise<Spike> {
    return this.spikes.get(id);
  }
}
