import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DEPLOY_LIMITS } from './create-deploy.dto';

/**
 * Query of `GET /v1/deploys`: deploys whose `started_at` is in [since, until) (ISO-8601, UTC when no
 * offset is given), of one service, oldest first.
 */
export class ListDeploysQuery {
  @ApiPropertyOptional({ description: 'started_at at or after, ISO-8601', example: '2024-03-12T00:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'started_at before, ISO-8601', example: '2024-03-13T00:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: 'ECS service.name, exact', example: 'billing-api' })
  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.service)
  service?: string;

  @ApiPropertyOptional({ description: 'most deploys returned (the oldest first)', default: 1000, minimum: 1, maximum: 10000, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}
