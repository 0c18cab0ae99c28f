import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Layer } from '@denytrace/schema';

/** The emitting layers a verdict can name (DESIGN.md "The normalized event", `denytrace.layer`). */
export const LAYERS: readonly Layer[] = ['waf', 'cdn', 'gateway', 'app'];

/**
 * Query of `GET /v1/traces`: the filter of `denytrace traces`. Times are ISO-8601 (UTC when no offset
 * is given); `since` inclusive, `until` exclusive, both on the verdict's `first_seen`.
 */
export class ListTracesQuery {
  @ApiPropertyOptional({ description: 'HTTP status the client received', example: 403, minimum: 100, maximum: 599, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({ description: 'emitting layer (ECS `denytrace.layer`)', enum: LAYERS })
  @IsOptional()
  @IsIn(LAYERS)
  layer?: Layer;

  @ApiPropertyOptional({ description: 'decisive rule id (`rule.id`), exact', example: 'geo-blocklist' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  rule?: string;

  @ApiPropertyOptional({ description: 'first_seen at or after, ISO-8601', example: '2024-03-12T12:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'first_seen before, ISO-8601', example: '2024-03-12T15:00:00Z', format: 'date-time' })
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
