import type { SpikeKind } from './spike';

/** Payload formats a webhook subscription can ask for. */
export type WebhookFormat = 'generic' | 'slack' | 'pagerduty';
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['generic', 'slack', 'pagerduty'];

/**
 * An alert webhook subscription (`POST /v1/webhooks`). `secret` signs each delivery
 * (`X-Denytrace-Signature`); for `pagerduty` it is the Events API v2 routing key.
 * Filters: only spikes of these kinds / of these services (empty or absent: all).
 */
export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
  format: WebhookFormat;
  kinds?: SpikeKind[];
  services?: string[];
  created_at: string;
}

/** One attempt to deliver one notification, as kept in the delivery log (`GET /v1/webhooks/:id/deliveries`). */
export interface DeliveryRecord {
  id: string;
  webhook_id: string;
  spike_id: string;
  /** `firing` or `resolved`. */
  event: 'firing' | 'resolved';
  dedup_key: string;
  /** 1-based attempt number. */
  attempt: number;
  /** HTTP status, null when no response (timeout, refused connection). */
  status_code: number | null;
  ok: boolean;
  /** Whether a failure will be retried. */
  retryable: boolean;
  duration_ms: number;
  error: string | null;
  /** The first bytes of the response body, control characters removed. */
  response_excerpt: string | null;
  at: string;
}
