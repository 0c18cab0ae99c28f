import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const SPIKE_STATUSES = ['firing', 'resolved'] as const;

/**
 * Query of `GET /v1/spikes`: spikes overlapping [since, until) (ISO-8601, UTC when no offset is
 * given: started before `until` and still firing or ended at or after `since`), newest start first.
 */
export class ListSpikesQuery {
  @ApiPropertyOptional({ enum: SPIKE_STATUSES })
  @IsOptional()
  @IsIn(SPIKE_STATUSES)
  status?: (typeof SPIKE_STATUSES)[number];

  @ApiPropertyOptional({ description: 'overlapping from, ISO-8601', example: '2024-03-12T12:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'overlapping until (exclusive), ISO-8601', example: '2024-03-12T18:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: 'page size', default: 100, minimum: 1, maximum: 1000, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}
