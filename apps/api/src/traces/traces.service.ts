import { Injectable } from '@nestjs/common';
import { ApiError } from '@denytrace/http';
import { idCandidates, type Verdict } from '@denytrace/schema';
import { InjectStore, StoreError, type EventStore } from '@denytrace/store';
import { utcIso, utcMs } from '../common/api-time';
import type { ListTracesQuery } from './list-traces.query';

/** Longest id accepted by `GET /v1/traces/:id` (the longest id kinds are ~60 characters). */
const MAX_ID_LENGTH = 512;

/**
 * Verdict lookup over the store, with the CLI's rules: `trace` for one id of any kind, `traces` for
 * the filtered list. Throws {@link ApiError}s the error filter renders.
 */
@Injectable()
export class TracesService {
  constructor(@InjectStore() private readonly store: EventStore) {}

  /**
   * The verdict of the trace carrying `id`: tried as given (a trace_id or `kind:value`), then as every
   * correlation id it may mean (`idCandidates`: bare CloudFront id, X-Ray Root, W3C trace id, Ray ID,
   * X-Request-ID, upper-case hex …).
   * @throws ApiError 404 `not_found` when no verdict holds it (saying when events carry it but nothing refused).
   */
  async get(id: string): Promise<Verdict> {
    const text = id.trim();
    if (text === '' || text.length > MAX_ID_LENGTH) {
      throw new ApiError(400, 'validation_failed', 'invalid id', [{ field: 'id', problems: [`id must be 1 to ${MAX_ID_LENGTH} characters`] }]);
    }
    const candidates = idCandidates(text);
    for (const candidate of [text, ...candidates]) {
      const v = await this.store.getTrace(candidate);
      if (v) return v;
    }
    if (/^TID_/i.test(text)) {
      throw new ApiError(404, 'not_found', 'an ALB connection id (conn_trace_id) never identifies a request and is not indexed; use the trace_id Root, the CloudFront request id or the X-Request-ID');
    }
    const events = await this.store.eventsByCorrelationIds(candidates);
    if (events.length > 0) throw new ApiError(404, 'not_found', `${events.length} stored event(s) carry this id, but no layer refused that request`);
    throw new ApiError(404, 'not_found', 'no stored event carries this id (only requests with a refusal mark are kept in full by default)');
  }

  /**
   * A page of verdicts, newest first, filtered as `denytrace traces` does.
   * @throws ApiError 400 `validation_failed` for `since` ≥ `until` or a cursor this store did not issue.
   */
  async list(q: ListTracesQuery): Promise<{ items: Verdict[]; next_cursor: string | null }> {
    if (q.since !== undefined && q.until !== undefined && utcMs(q.since) >= utcMs(q.until)) {
      throw new ApiError(400, 'validation_failed', 'invalid since, until', [{ field: 'until', problems: ['until must be later than since'] }]);
    }
    try {
      return await this.store.listTraces({ status: q.status, layer: q.layer, rule: q.rule, since: utcIso(q.since), until: utcIso(q.until), limit: q.limit ?? 100, cursor: q.cursor });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'invalid_argument' && q.cursor !== undefined) {
        throw new ApiError(400, 'validation_failed', 'invalid cursor', [{ field: 'cursor', problems: ['cursor must be a next_cursor returned by this API'] }]);
      }
      throw e;
    }
  }
}
