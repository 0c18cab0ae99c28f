import type { DeliveryRecord, Deploy, Spike, Verdict, WebhookSubscription } from '@denytrace/schema';

/** Width of a dimension counter bucket, ms (30 s: spike detection runs every 30 s and must fire within 2 minutes). */
export const DIMENSION_BUCKET_MS = 30_000;

/** The dimensions spike detection counts requests by (ECS field names). */
export type SpikeDimension = 'source.geo.country_iso_code' | 'source.ip' | 'url.path' | 'service.name' | 'user.roles' | 'organization.id';
export const SPIKE_DIMENSIONS: readonly SpikeDimension[] = ['source.geo.country_iso_code', 'source.ip', 'url.path', 'service.name', 'user.roles', 'organization.id'];

/**
 * Requests one layer (dataset) saw in one {@link DIMENSION_BUCKET_MS} bucket with one dimension value:
 * the denominators of deny ratios by dimension. `count` adds up on the key.
 */
export interface DimensionCounterRow {
  /** Bucket start, epoch ms UTC. */
  bucket: number;
  dataset: string;
  dimension: SpikeDimension;
  /** Country code, network CIDR, route template, service, role or tenant. */
  value: string;
  method_class: 'read' | 'write' | 'other';
  count: number;
  /** Of those, requests the layer answered below 400 (or forwarded and got below 400 back): the traffic that passed. */
  ok: number;
}

/** Filter for listing spikes: status, and spikes overlapping [since, until) (ISO-8601 UTC). Newest start first. */
export interface SpikeFilter {
  status?: 'firing' | 'resolved';
  since?: string;
  until?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  cursor?: string;
}

/** Filter for listing deploys: started_at in [since, until), one service. Oldest first. */
export interface DeployFilter {
  since?: string;
  until?: string;
  service?: string;
  /** Default 1000. */
  limit?: number;
}

/**
 * What spike detection, deploys and alert webhooks keep in the store. Part of {@link EventStore};
 * both implementations pass `store-detection.suite.ts`.
 */
export interface DetectionStore {
  /** Summed dimension counters with bucket in [since, until) (epoch ms), any order. */
  dimensionCounts(since: number, until: number): Promise<DimensionCounterRow[]>;
  /** Verdicts with first_seen in [since, until) (ISO-8601 UTC), oldest first, streamed; only status `status` when given. */
  tracesInRange(since: string, until: string, opts?: { status?: number }): AsyncIterable<Verdict>;

  /** Stores deploys by id: a new id is inserted, a known one updated (finished_at, description, link). */
  recordDeploys(deploys: readonly Deploy[]): Promise<{ inserted: number; updated: number }>;
  listDeploys(filter: DeployFilter): Promise<Deploy[]>;

  /** Inserts or replaces spikes by id. */
  upsertSpikes(spikes: readonly Spike[]): Promise<void>;
  getSpike(id: string): Promise<Spike | undefined>;
  listSpikes(filter: SpikeFilter): Promise<{ items: Spike[]; next_cursor: string | null }>;

  createWebhook(w: WebhookSubscription): Promise<void>;
  listWebhooks(): Promise<WebhookSubscription[]>;
  getWebhook(id: string): Promise<WebhookSubscription | undefined>;
  /** Removes a subscription and its notification state; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>;
  /**
   * Claims the right to send `event` for (spike, webhook), atomically: `firing` only when nothing
   * was sent yet, `resolved` only when `firing` was sent and `resolved` was not. True once per
   * (spike, webhook, event) whatever the number of workers; a `firing` after `resolved` is never claimable.
   */
  claimNotification(spikeId: string, webhookId: string, event: 'firing' | 'resolved'): Promise<boolean>;
  /** Appends to the delivery log (kept bounded per webhook, newest kept). */
  recordDelivery(d: DeliveryRecord): Promise<void>;
  /** The delivery log of one webhook, newest first. */
  listDeliveries(webhookId: string, limit?: number): Promise<DeliveryRecord[]>;
}
