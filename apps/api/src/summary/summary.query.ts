import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Length, Matches, Max, Min } from 'class-validator';

/** What a summary can count verdicts by (`EventStore.verdictCounts`). */
export const GROUP_BY = ['layer', 'rule', 'country', 'network', 'path'] as const;
export type SummaryGroupBy = (typeof GROUP_BY)[number];

/**
 * Query of `GET /v1/summary`. Times are ISO-8601 on the verdict's `first_seen`; `since` inclusive,
 * `until` exclusive. Defaults: the last 24 h, grouped by emitting layer, status 403, and an interval
 * that gives at most 500 buckets. `layer`, `rule`, `country`, `network` and `path` keep only the
 * verdicts whose key (as the summary grouped by it lists it, `unknown` for none) equals the value:
 * a dashboard's click on a top rule, country, network or route.
 */
export class SummaryQuery {
  @ApiPropertyOptional({ description: 'start, ISO-8601 (default: until − 24 h)', example: '2024-03-12T12:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'end, exclusive, ISO-8601 (default: now)', example: '2024-03-12T15:00:00Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: 'count by emitting layer, decisive rule id, client country, client network or route (ids folded)', enum: GROUP_BY, default: 'layer' })
  @IsOptional()
  @IsIn(GROUP_BY)
  groupBy?: SummaryGroupBy;

  @ApiPropertyOptional({ description: 'bucket width: a whole number and s, m, h or d (default: the smallest of 1m 5m 15m 30m 1h 3h 6h 12h 1d 7d giving ≤ 500 buckets)', example: '5m', pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,5}(s|m|h|d)$/, { message: 'interval must be a whole number and one unit of s, m, h, d, e.g. 1m, 5m, 1h' })
  interval?: string;

  @ApiPropertyOptional({ description: 'HTTP status the client received', default: 403, minimum: 100, maximum: 599, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({ description: 'only verdicts of this emitting layer (`unknown`: none named)', enum: ['waf', 'cdn', 'gateway', 'app', 'unknown'] })
  @IsOptional()
  @IsIn(['waf', 'cdn', 'gateway', 'app', 'unknown'])
  layer?: string;

  @ApiPropertyOptional({ description: 'only verdicts of this decisive rule id (as `groupBy=rule` lists it)', example: 'geo-blocklist' })
  @IsOptional()
  @Length(1, 500)
  rule?: string;

  @ApiPropertyOptional({ description: 'only verdicts of clients in this country (ISO 3166 code, as `groupBy=country` lists it)', example: 'BR' })
  @IsOptional()
  @Length(1, 100)
  country?: string;

  @ApiPropertyOptional({ description: 'only verdicts of clients in this network (as `groupBy=network` lists it)', example: '198.51.100.240/28' })
  @IsOptional()
  @Length(1, 100)
  network?: string;

  @ApiPropertyOptional({ description: 'only verdicts of this method and route, ids folded (as `groupBy=path` lists it)', example: 'POST /v1/invoices' })
  @IsOptional()
  @Length(1, 1000)
  path?: string;
}
