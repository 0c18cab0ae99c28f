import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RequireRole } from '@denytrace/http';
import type { DeliveryRecord } from '@denytrace/schema';
import { ErrorDoc } from '../common/error.doc';
import { CreateWebhookDto } from './create-webhook.dto';
import { ListDeliveriesQuery } from './list-deliveries.query';
import { DeliveryListDoc, WebhookDoc, WebhookListDoc } from './webhook.doc';
import { WebhooksService, type WebhookView } from './webhooks.service';

/** `/v1/webhooks`: alert webhook subscriptions and their delivery log (role `admin`). Secrets are write-only. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: '`missing_api_key` or `unknown_api_key`', type: ErrorDoc })
@ApiForbiddenResponse({ description: '`insufficient_scope`: the key lacks the admin role', type: ErrorDoc })
@RequireRole('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe a webhook to spikes',
    description: 'Each matching spike sends one `firing` then one `resolved` message, signed with `secret` (README "Alert webhooks"). The answer never shows the secret (`secret_set: true`).',
  })
  @ApiCreatedResponse({ type: WebhookDoc })
  @ApiBadRequestResponse({ description: '`validation_failed` listing every bad field, or a URL problem as code: `invalid_url`, `too_long`, `unsupported_scheme`, `credentials_in_url`', type: ErrorDoc })
  create(@Body() body: CreateWebhookDto): Promise<WebhookView> {
    return this.webhooks.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List subscriptions (without secrets)' })
  @ApiOkResponse({ type: WebhookListDoc })
  list(): Promise<{ items: WebhookView[] }> {
    return this.webhooks.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription (without its secret)' })
  @ApiParam({ name: 'id', example: 'wh_3b9f0c2a7d14e6f85a01c2d3' })
  @ApiOkResponse({ type: WebhookDoc })
  @ApiNotFoundResponse({ description: '`not_found`', type: ErrorDoc })
  get(@Param('id') id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Unsubscribe', description: 'Nothing more is sent to it, including the `resolved` of spikes it was paged for.' })
  @ApiParam({ name: 'id' })
  @ApiNoContentResponse({ description: 'removed' })
  @ApiNotFoundResponse({ description: '`not_found`', type: ErrorDoc })
  remove(@Param('id') id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Delivery log, newest first', description: 'Every attempt: status, whether it will be retried, duration, error and the start of the answer.' })
  @ApiParam({ name: 'id' })
  @ApiOkResponse({ type: DeliveryListDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`', type: ErrorDoc })
  @ApiNotFoundResponse({ description: '`not_found`', type: ErrorDoc })
  deliveries(@Param('id') id: string, @Query() query: ListDeliveriesQuery): Promise<{ items: DeliveryRecord[] }> {
    return this.webhooks.deliveries(id, query.limit ?? 100);
  }
}
