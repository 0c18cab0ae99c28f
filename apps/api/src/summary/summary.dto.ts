import { ApiProperty } from '@nestjs/swagger';
import { GROUP_BY } from './summary.query';

/** One time bucket of a summary. */
class SummaryBucketDoc {
  @ApiProperty({ format: 'date-time', description: 'bucket start, UTC, aligned to multiples of the interval since the epoch' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'verdicts per key; keys with none are left out', example: { waf: 12, app: 3 } })
  counts!: Record<string, number>;
  @ApiProperty({ type: 'integer', description: 'requests seen in the bucket by the layer that saw the most (the deny ratio\'s denominator); narrowed only by a `country` filter' })
  requests!: number;
}

/** OpenAPI description of `GET /v1/summary`'s answer (`Summary` in summary.service.ts). */
export class SummaryDoc {
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ format: 'date-time', description: 'exclusive' }) until!: string;
  @ApiProperty({ enum: GROUP_BY }) groupBy!: string;
  @ApiProperty({ type: 'integer', example: 403 }) status!: number;
  @ApiProperty({ example: '5m' }) interval!: string;
  @ApiProperty({ type: 'integer', example: 300000 }) interval_ms!: number;
  @ApiProperty({ type: 'integer', description: 'verdicts counted in the range' }) total!: number;
  @ApiProperty({ type: 'integer', description: 'requests counted in the range (sum of the buckets\' `requests`)' }) requests!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'filters applied', example: { country: 'BR' } }) filter!: Record<string, string>;
  @ApiProperty({ type: [String], description: 'every key seen, most verdicts first', example: ['waf', 'gateway', 'app'] }) keys!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { waf: 681, gateway: 454 } }) totals!: Record<string, number>;
  @ApiProperty({ type: [SummaryBucketDoc], description: 'every bucket of the range, empty ones included, oldest first' }) buckets!: SummaryBucketDoc[];
}
