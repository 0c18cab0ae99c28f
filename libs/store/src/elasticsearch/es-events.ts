import type { Client, estypes } from '@elastic/elasticsearch';
import type { DenyEvent } from '@denytrace/schema';
import type { QuarantineRow } from '../event-store';
import { msToIso } from '../time-range';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';
import { searchAll, searchPages } from './es-search';

/** Ids per `terms` query (well under the default `index.max_terms_count` of 65 536). */
const TERMS_CHUNK = 1000;

/**
 * Events in the data stream `logs-denytrace.events-<ns>`. Writes are `create` actions with
 * `_id` = `event.id`, the only write a data stream takes
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/use-a-data-stream.html): a
 * 409 answer means the id is already stored in the write index — a duplicate, not an error. Ids are
 * unique per backing index only, so before writing, the batch's ids are looked up across the whole
 * stream (one `terms` query on `event.id`): an event stored before a rollover is a duplicate too.
 * Two writers racing the same new id across a rollover could still store it twice (reads dedupe by
 * `event.id`, see {@link EsEvents.byCorrelationIds}).
 */
export class EsEvents {
  constructor(
    private readonly client: Client,
    private readonly n: EsNames,
    private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh; pageSize: number },
  ) {}

  /**
   * Stores new events. Returns how many were written, how many were already stored (or repeated in
   * the batch), and a quarantine row for each event Elasticsearch refused (reason `store_rejected`,
   * the error in `detail`, the raw record or the event JSON as `raw`): such an event is not lost silently.
   */
  async insert(events: readonly DenyEvent[]): Promise<{ inserted: number; duplicates: number; rejected: QuarantineRow[] }> {
    const unique = new Map<string, DenyEvent>();
    for (const e of events) if (!unique.has(e.event.id)) unique.set(e.event.id, e);
    let duplicates = events.length - unique.size;
    for (const id of await this.storedIds([...unique.keys()])) {
      unique.delete(id);
      duplicates++;
    }
    const r = await runBulk<DenyEvent>(this.client, [...unique.values()], (e) => ({ create: { _index: this.n.events, _id: e.event.id } }), {
      ...this.o.bulk, refresh: this.o.refresh, what: `bulk create into ${this.n.events}`,
    });
    const rejected = r.failed.map(({ document: e, status, error }) => ({
      source_file: e.denytrace.source_file ?? this.n.events,
      line: e.denytrace.line ?? 0,
      reason: 'store_rejected',
      detail: `Elasticsearch ${status}: ${error}`,
      raw: e.event.original ?? JSON.stringify(e),
    }));
    return { inserted: r.successful, duplicates: duplicates + r.conflicts.length, rejected };
  }

  /** Which of these event ids are already stored anywhere in the stream. */
  private async storedIds(ids: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (let i = 0; i < ids.length; i += TERMS_CHUNK) {
      const chunk = ids.slice(i, i + TERMS_CHUNK);
      const hits = await searchAll<{ event: { id: string } }>(this.client, {
        index: this.n.events, query: { terms: { 'event.id': chunk } }, sort: [{ 'event.id': 'asc' }], pageSize: chunk.length, what: `duplicate check in ${this.n.events}`,
      });
      for (const h of hits) found.push(h.event.id);
    }
    return found;
  }

  /** Events carrying any of these ids (`terms` on `denytrace.correlation_ids`), each once, by time then event.id. */
  async byCorrelationIds(ids: readonly string[]): Promise<DenyEvent[]> {
    const unique = [...new Set(ids)];
    const byId = new Map<string, DenyEvent>();
    for (let i = 0; i < unique.length; i += TERMS_CHUNK) {
      const events = await searchAll<DenyEvent>(this.client, {
        index: this.n.events,
        query: { terms: { 'denytrace.correlation_ids': unique.slice(i, i + TERMS_CHUNK) } },
        sort: [{ '@timestamp': 'asc' }, { 'event.id': 'asc' }],
        pageSize: this.o.pageSize,
        what: `lookup by correlation id in ${this.n.events}`,
      });
      for (const e of events) byId.set(e.event.id, e);
    }
    return [...byId.values()].sort((a, b) => Date.parse(a['@timestamp']) - Date.parse(b['@timestamp']) || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  }

  /** Events with `@timestamp` in [sinceMs, untilMs), by time, paged with `search_after` over one point in time. */
  async *inRange(sinceMs: number, untilMs: number): AsyncIterable<DenyEvent> {
    for await (const page of searchPages<DenyEvent>(this.client, {
      index: this.n.events,
      query: { range: { '@timestamp': { gte: sinceMs, lt: untilMs, format: 'epoch_millis' } } },
      sort: [{ '@timestamp': 'asc' }, { _shard_doc: 'asc' }],
      pageSize: this.o.pageSize,
      pit: true,
      what: `range read of ${this.n.events}`,
    })) {
      for (const h of page) yield h._source as DenyEvent;
    }
  }

  /** First and last `@timestamp` (min/max aggregations), undefined when no event is stored. */
  async timeBounds(): Promise<{ first: string; last: string } | undefined> {
    try {
      const res = await this.client.search({
        index: this.n.events, size: 0, track_total_hits: false,
        aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
      });
      const aggs = res.aggregations as { first: { value: number | null }; last: { value: number | null } } | undefined;
      const first = aggs?.first.value;
      const last = aggs?.last.value;
      return first === null || first === undefined || last === null || last === undefined ? undefined : { first: msToIso(first), last: msToIso(last) };
    } catch (err) {
      throw storeErrorOf(err, `time bounds of ${this.n.events}`);
    }
  }
}
