import { Injectable } from '@nestjs/common';
import { ApiError } from '@denytrace/http';
import type { Spike } from '@denytrace/schema';
import { InjectStore, StoreError, type EventStore } from '@denytrace/store';
import { checkRange, utcIso } from '../common/api-time';
import type { ListSpikesQuery } from './list-spikes.query';

/** Spikes in the store, as detection wrote them. Throws {@link ApiError}s the error filter renders. */
@Injectable()
export class SpikesService {
  constructor(@InjectStore() private readonly store: EventStore) {}

  /**
   * A page of spikes overlapping [since, until), newest start first.
   * @throws ApiError 400 `validation_failed` for an unreadable time, since ≥ until, or a cursor this store did not issue.
   */
  async list(q: ListSpikesQuery): Promise<{ items: Spike[]; next_cursor: string | null }> {
    checkRange(q.since, q.until);
    try {
      return await this.store.listSpikes({ status: q.status, since: utcIso(q.since), until: utcIso(q.until), limit: q.limit ?? 100, cursor: q.cursor });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'invalid_argument' && q.cursor !== undefined) {
        throw new ApiError(400, 'validation_failed', 'invalid cursor', [{ field: 'cursor', problems: ['cursor must be a next_cursor returned by this API'] }]);
      }
      throw e;
    }
  }

  /** @throws ApiError 404 `not_found` when no spike has this id. */
  async get(id: string): Promise<Spike> {
    const spike = id.length <= 512 ? await this.store.getSpike(id) : undefined;
    if (!spike) throw new ApiError(404, 'not_found', `no spike ${JSON.stringify(id.slice(0, 80))}`);
    return spike;
  }
}
