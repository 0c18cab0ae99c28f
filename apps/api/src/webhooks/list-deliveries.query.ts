import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Query of `GET /v1/webhooks/:id/deliveries`. */
export class ListDeliveriesQuery {
  @ApiPropertyOptional({ description: 'most attempts returned, newest first (the log keeps the last 1000)', default: 100, minimum: 1, maximum: 1000, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
