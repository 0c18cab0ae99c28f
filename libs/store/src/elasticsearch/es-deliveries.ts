import type { Client, estypes } from '@elastic/elasticsearch';
import type { DeliveryRecord } from '@denytrace/schema';
import { isoToMs } from '../time-range';
import { storeErrorOf } from './es-errors';
import { monthSuffix, type EsNames } from './es-names';

/** Most deliveries `list` returns (the embedded store's bound per webhook). */
export const MAX_DELIVERIES_LISTED = 1000;

/**
 * The webhook delivery log in monthly indices `denytrace-<ns>-deliveries-YYYY.MM.01` (month of the
 * attempt's `at`), appended with automatic ids and read newest `at` first (ties by delivery id).
 *
 * Difference from the embedded store, which keeps the newest 1000 deliveries of each webhook: here
 * the log is bounded by time, not count. The monthly indices follow the verdicts' ILM policy
 * (es-setup.ts: deleted `verdictsDays + 31` days after the month began), and `list` returns at most
 * {@link MAX_DELIVERIES_LISTED}. Deleting a webhook does not delete its deliveries (neither store does).
 */
export class EsDeliveries {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { refresh: estypes.Refresh }) {}

  /** Appends one attempt. @throws StoreError('invalid_argument') when `at` is not a time. */
  async record(d: DeliveryRecord): Promise<void> {
    const index = `${this.n.deliveriesPrefix}${monthSuffix(isoToMs(d.at, `delivery ${d.id} at`))}`;
    try {
      await this.client.index({ index, document: d, refresh: this.o.refresh });
    } catch (err) {
      throw storeErrorOf(err, `delivery write into ${index}`);
    }
  }

  /** The newest `limit` (default 100, 1..{@link MAX_DELIVERIES_LISTED}) deliveries of one webhook, newest first. */
  async list(webhookId: string, limit = 100): Promise<DeliveryRecord[]> {
    const size = Math.max(1, Math.min(MAX_DELIVERIES_LISTED, Math.floor(Number.isFinite(limit) ? limit : 100)));
    try {
      const res = await this.client.search<DeliveryRecord>({
        index: this.n.deliveriesPattern, track_total_hits: false, query: { term: { webhook_id: webhookId } }, sort: [{ at: 'desc' }, { id: 'desc' }], size,
      });
      return res.hits.hits.map((h) => h._source as DeliveryRecord);
    } catch (err) {
      throw storeErrorOf(err, `delivery log of webhook ${webhookId} in ${this.n.deliveriesPattern}`);
    }
  }
}
