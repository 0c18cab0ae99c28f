import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { validateWebhookUrl } from '@denytrace/alerts';
import { ApiError } from '@denytrace/http';
import type { DeliveryRecord, SpikeKind, WebhookFormat, WebhookSubscription } from '@denytrace/schema';
import { InjectStore, type EventStore } from '@denytrace/store';
import type { CreateWebhookDto } from './create-webhook.dto';

/** A subscription as the API shows it: everything but the secret. */
export interface WebhookView {
  id: string;
  url: string;
  format: WebhookFormat;
  kinds: SpikeKind[];
  services: string[];
  created_at: string;
  /** Always true: the secret is kept and never shown again. */
  secret_set: true;
}

/** The view of a stored subscription (built field by field, so a secret can never slip through). */
export function webhookView(w: WebhookSubscription): WebhookView {
  return { id: w.id, url: w.url, format: w.format, kinds: w.kinds ?? [], services: w.services ?? [], created_at: w.created_at, secret_set: true };
}

/** Alert webhook subscriptions and their delivery log. Throws {@link ApiError}s the error filter renders. */
@Injectable()
export class WebhooksService {
  constructor(@InjectStore() private readonly store: EventStore) {}

  /**
   * Stores a subscription with a new id `wh_<24 hex>` and `created_at` now (ISO-8601 UTC).
   * @throws ApiError 400 with the problem of `validateWebhookUrl` as code (`invalid_url`, `too_long`,
   *   `unsupported_scheme`, `credentials_in_url`) and `details: [{ field: 'url' }]`.
   */
  async create(dto: CreateWebhookDto, now = new Date()): Promise<WebhookView> {
    const checked = validateWebhookUrl(dto.url);
    if (!checked.ok) throw new ApiError(400, checked.problem, `url: ${checked.message}`, [{ field: 'url', problems: [checked.message] }]);
    const w: WebhookSubscription = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      url: dto.url,
      secret: dto.secret,
      format: dto.format ?? 'generic',
      created_at: now.toISOString(),
    };
    if (dto.kinds?.length) w.kinds = dto.kinds;
    if (dto.services?.length) w.services = dto.services;
    await this.store.createWebhook(w);
    return webhookView(w);
  }

  async list(): Promise<{ items: WebhookView[] }> {
    return { items: (await this.store.listWebhooks()).map(webhookView) };
  }

  /** @throws ApiError 404 `not_found`. */
  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.find(id));
  }

  /** Removes the subscription and its notification state; its delivery log is no longer served. @throws ApiError 404 `not_found`. */
  async remove(id: string): Promise<void> {
    if (!(await this.store.deleteWebhook(id))) throw notFound(id);
  }

  /** The delivery log, newest first. @throws ApiError 404 `not_found` for an unknown subscription. */
  async deliveries(id: string, limit = 100): Promise<{ items: DeliveryRecord[] }> {
    await this.find(id);
    return { items: await this.store.listDeliveries(id, limit) };
  }

  private async find(id: string): Promise<WebhookSubscription> {
    const w = id.length <= 128 ? await this.store.getWebhook(id) : undefined;
    if (!w) throw notFound(id);
    return w;
  }
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `no webhook subscription ${JSON.stringify(id.slice(0, 80))}`);
}
