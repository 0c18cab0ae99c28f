import { ApiProperty } from '@nestjs/swagger';
import { SPIKE_KINDS, WEBHOOK_FORMATS } from '@denytrace/schema';

/* OpenAPI descriptions of webhook subscriptions and their delivery log. Documentation only. */

/** A subscription as the API shows it: never its secret. */
export class WebhookDoc {
  @ApiProperty({ example: 'wh_3b9f0c2a7d14e6f85a01c2d3' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/denytrace' }) url!: string;
  @ApiProperty({ enum: WEBHOOK_FORMATS }) format!: string;
  @ApiProperty({ enum: SPIKE_KINDS, isArray: true, description: 'empty: all kinds' }) kinds!: string[];
  @ApiProperty({ type: [String], description: 'empty: all services' }) services!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ description: 'always true: the secret is stored and never shown', example: true }) secret_set!: boolean;
}

export class WebhookListDoc {
  @ApiProperty({ type: [WebhookDoc], description: 'oldest first' }) items!: WebhookDoc[];
}

/** One delivery attempt (`DeliveryRecord` of @denytrace/schema). */
export class DeliveryDoc {
  @ApiProperty() id!: string;
  @ApiProperty() webhook_id!: string;
  @ApiProperty() spike_id!: string;
  @ApiProperty({ enum: ['firing', 'resolved'] }) event!: string;
  @ApiProperty({ example: 'denytrace-29741f2df93eaba0c8e270c900b8d0aaa242927d' }) dedup_key!: string;
  @ApiProperty({ description: '1-based', type: 'integer' }) attempt!: number;
  @ApiProperty({ nullable: true, type: 'integer', description: 'null when no response (timeout, refused connection)' }) status_code!: number | null;
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'whether a failure will be retried' }) retryable!: boolean;
  @ApiProperty({ description: 'ms' }) duration_ms!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "first 512 characters of the receiver's answer" }) response_excerpt!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class DeliveryListDoc {
  @ApiProperty({ type: [DeliveryDoc], description: 'newest first' }) items!: DeliveryDoc[];
}
