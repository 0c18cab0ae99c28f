import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { WebhookSubscription } from '@denytrace/schema';
import { StoreError } from '../store-error';
import { isStatus, storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';
import { searchAll } from './es-search';

/** A notification claim: what was sent for one (spike, webhook). */
interface NotificationDoc {
  spike_id: string;
  webhook_id: string;
  state: 'firing_sent' | 'resolved_sent';
}

/** Moves a claim from firing_sent to resolved_sent, or does nothing (`noop`) from any other state. */
const CLAIM_RESOLVED = "if (ctx._source.state == 'firing_sent') { ctx._source.state = 'resolved_sent' } else { ctx.op = 'noop' }";

/**
 * Webhook subscriptions in `denytrace-<ns>-webhooks` (`_id` = webhook id) and notification claims
 * in `denytrace-<ns>-notifications` (`_id` = {@link notificationKey} of spike and webhook).
 *
 * Claims are atomic across workers without a transaction, because each is one single-document write
 * that Elasticsearch serialises:
 * - `firing` is a `create` (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html#docs-index-api-op_type):
 *   a 409 answer means the pair was already claimed (firing, or later resolved), so it is false;
 * - `resolved` is a scripted `update`
 *   (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-update.html) that sets
 *   `resolved_sent` only from `firing_sent` and is a `noop` otherwise; only the `updated` answer is a
 *   claim. A missing claim (404: nothing fired) is false; a 409 left after `retry_on_conflict` means
 *   other writers changed the claim meanwhile, and the only change is to `resolved_sent`, so it is false.
 */
export class EsWebhooks {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { refresh: estypes.Refresh }) {}

  /** Stores a new subscription. @throws StoreError('invalid_argument') when its id exists. */
  async create(w: WebhookSubscription): Promise<void> {
    try {
      await this.client.create({ index: this.n.webhooks, id: w.id, document: w, refresh: this.o.refresh });
    } catch (err) {
      if (isStatus(err, 409)) throw new StoreError('invalid_argument', `webhook ${w.id} exists already`, { cause: err });
      throw storeErrorOf(err, `webhook write into ${this.n.webhooks}`);
    }
  }

  /** Every subscription, oldest first (ties by id). */
  async list(): Promise<WebhookSubscription[]> {
    return searchAll<WebhookSubscription>(this.client, {
      index: this.n.webhooks, query: { match_all: {} }, sort: [{ created_at: 'asc' }, { id: 'asc' }], pageSize: 1000, what: `webhook list in ${this.n.webhooks}`,
    });
  }

  async get(id: string): Promise<WebhookSubscription | undefined> {
    try {
      const res = await this.client.get<WebhookSubscription>({ index: this.n.webhooks, id, realtime: true });
      return res.found ? res._source : undefined;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw storeErrorOf(err, `webhook lookup in ${this.n.webhooks}`);
    }
  }

  /** Removes the subscription's claims, then the subscription; false when there was none. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.client.deleteByQuery({ index: this.n.notifications, conflicts: 'proceed', refresh: this.o.refresh !== false, query: { term: { webhook_id: id } } });
    } catch (err) {
      throw storeErrorOf(err, `delete of webhook ${id} claims in ${this.n.notifications}`);
    }
    try {
      const res = await this.client.delete({ index: this.n.webhooks, id, refresh: this.o.refresh });
      return res.result === 'deleted';
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw storeErrorOf(err, `delete of webhook ${id} in ${this.n.webhooks}`);
    }
  }

  /** True once per (spike, webhook, event) whatever the number of workers; see the class docstring. */
  async claim(spikeId: string, webhookId: string, event: 'firing' | 'resolved'): Promise<boolean> {
    const id = notificationKey(spikeId, webhookId);
    try {
      if (event === 'firing') {
        const document: NotificationDoc = { spike_id: spikeId, webhook_id: webhookId, state: 'firing_sent' };
        await this.client.create({ index: this.n.notifications, id, document, refresh: this.o.refresh });
        return true;
      }
      if (event !== 'resolved') throw new StoreError('invalid_argument', `unknown notification event ${JSON.stringify(event)}`);
      const res = await this.client.update({
        index: this.n.notifications, id, retry_on_conflict: 3, refresh: this.o.refresh,
        script: { source: CLAIM_RESOLVED, lang: 'painless' },
      });
      return res.result === 'updated';
    } catch (err) {
      if (isStatus(err, 409) || (event === 'resolved' && isStatus(err, 404))) return false;
      throw storeErrorOf(err, `${event} claim of spike ${spikeId} for webhook ${webhookId} in ${this.n.notifications}`);
    }
  }
}

/** The claim document id: sha1 (base64url) of spike and webhook ids, so any ids make a valid `_id`. */
export function notificationKey(spikeId: string, webhookId: string): string {
  return createHash('sha1').update(`${spikeId}\u0000${webhookId}`).digest('base64url');
}
