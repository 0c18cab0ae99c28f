import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { SPIKE_KINDS, WEBHOOK_FORMATS, type SpikeKind, type WebhookFormat } from '@denytrace/schema';

/** Shortest and longest subscription secret, characters. */
export const WEBHOOK_SECRET_MIN = 16;
export const WEBHOOK_SECRET_MAX = 512;

/**
 * Body of `POST /v1/webhooks`: an alert webhook subscription (`WebhookSubscription` of
 * @denytrace/schema without id and created_at). The URL is further checked by `validateWebhookUrl`
 * of @denytrace/alerts in the service. Unknown fields are refused.
 */
export class CreateWebhookDto {
  @ApiProperty({ description: 'http(s) URL receiving POSTs; no user:password@', example: 'https://hooks.example.com/denytrace', maxLength: 2048 })
  @IsString()
  @IsNotEmpty()
  url!: string;

  @ApiProperty({ description: `signs each delivery (X-Denytrace-Signature); for pagerduty the Events API v2 routing key. Never returned.`, minLength: WEBHOOK_SECRET_MIN, maxLength: WEBHOOK_SECRET_MAX, writeOnly: true })
  @IsString()
  @MinLength(WEBHOOK_SECRET_MIN)
  @MaxLength(WEBHOOK_SECRET_MAX)
  secret!: string;

  @ApiPropertyOptional({ enum: WEBHOOK_FORMATS, default: 'generic' })
  @IsOptional()
  @IsIn(WEBHOOK_FORMATS)
  format?: WebhookFormat;

  @ApiPropertyOptional({ description: 'only spikes of these kinds (absent or empty: all)', enum: SPIKE_KINDS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(SPIKE_KINDS.length)
  @IsIn(SPIKE_KINDS, { each: true })
  kinds?: SpikeKind[];

  @ApiPropertyOptional({ description: 'only spikes of these services, ECS service.name (absent or empty: all)', type: [String], example: ['billing-api'] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  services?: string[];
}
