import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { QuarantinedRecord, QuarantineFilter, QuarantineRow } from '../event-store';
import { StoreError } from '../store-error';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';

/** Same bounds as the embedded store (sqlite/schema.sql.ts). */
const MAX_RAW = 8192;
const MAX_DETAIL = 1024;

interface QuarantineDoc extends QuarantineRow {
  rejected_at: number;
  /** Position in its call: orders the rows of one call (same rejected_at). */
  seq: number;
  /** sha1 of file, line, reason and raw text: the `_id`, so the same rejection is kept once. */
  key: string;
}

/**
 * The quarantine in `denytrace-<ns>-quarantine`: `create` with `_id` = hash of (file, line, reason,
 * raw), so a repeated rejection answers 409 and is kept once. Read oldest first by
 * (rejected_at, seq, key) with a `search_after` keyset cursor (base64url JSON of that sort key).
 * `QuarantinedRecord.id` is a number made from the key's first 48 bits (stable, not a row number).
 */
export class EsQuarantine {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh }) {}

  /** Keeps rows once each, raw and detail bounded. @throws StoreError('backend') when Elasticsearch refuses a row (nowhere else to put it). */
  async add(rows: readonly QuarantineRow[], now: number): Promise<void> {
    const docs = rows.map((r, seq): QuarantineDoc => {
      const raw = r.raw.length > MAX_RAW ? r.raw.slice(0, MAX_RAW) : r.raw;
      const key = createHash('sha1').update(`${r.source_file}\n${r.line}\n${r.reason}\n`).update(raw).digest('base64url');
      return { source_file: r.source_file, line: r.line, reason: r.reason, detail: r.detail.slice(0, MAX_DETAIL), raw, rejected_at: now, seq, key };
    });
    const out = await runBulk<QuarantineDoc>(this.client, docs, (d) => ({ create: { _index: this.n.quarantine, _id: d.key } }), {
      ...this.o.bulk, refresh: this.o.refresh, what: `quarantine write into ${this.n.quarantine}`,
    });
    if (out.failed.length) throw new StoreError('backend', `${out.failed.length} quarantine row(s) refused by Elasticsearch (first: ${out.failed[0].status} ${out.failed[0].error})`);
  }

  async list(filter: QuarantineFilter): Promise<{ items: QuarantinedRecord[]; next_cursor: string | null }> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 1000);
    const f: estypes.QueryDslQueryContainer[] = [];
    if (filter.source_file !== undefined) f.push({ term: { source_file: filter.source_file } });
    if (filter.reason !== undefined) f.push({ term: { reason: filter.reason } });
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const res = await this.search<QuarantineDoc>({
      query: { bool: { filter: f } }, sort: [{ rejected_at: 'asc' }, { seq: 'asc' }, { key: 'asc' }], size: limit + 1,
      ...(after ? { search_after: after } : {}),
    }, 'quarantine list');
    const hits = res.hits.hits;
    const page = hits.slice(0, limit).map((h) => h._source as QuarantineDoc);
    const last = page[page.length - 1];
    return {
      items: page.map((d) => ({
        id: parseInt(Buffer.from(d.key, 'base64url').subarray(0, 6).toString('hex'), 16),
        source_file: d.source_file, line: d.line, reason: d.reason, detail: d.detail, raw: d.raw, rejected_at: new Date(d.rejected_at).toISOString(),
      })),
      next_cursor: hits.length > limit && last ? Buffer.from(JSON.stringify([last.rejected_at, last.seq, last.key])).toString('base64url') : null,
    };
  }

  /** Counts by file and reason (a `composite` aggregation), ordered by file then reason. */
  async counts(): Promise<Array<{ source_file: string; reason: string; count: number }>> {
    const out: Array<{ source_file: string; reason: string; count: number }> = [];
    let after: Record<string, string> | undefined;
    for (;;) {
      const res = await this.search({
        size: 0,
        aggs: { by: { composite: { size: 1000, sources: [{ source_file: { terms: { field: 'source_file' } } }, { reason: { terms: { field: 'reason' } } }], ...(after ? { after } : {}) } } },
      }, 'quarantine counts');
      const by = (res.aggregations as { by?: { buckets: Array<{ key: { source_file: string; reason: string }; doc_count: number }>; after_key?: Record<string, string> } } | undefined)?.by;
      if (!by) return out;
      for (const b of by.buckets) out.push({ source_file: b.key.source_file, reason: b.key.reason, count: b.doc_count });
      if (!by.after_key || by.buckets.length === 0) return out;
      after = by.after_key;
    }
  }

  private async search<T = unknown>(body: Omit<estypes.SearchRequest, 'index'>, what: string): Promise<estypes.SearchResponse<T>> {
    try {
      return await this.client.search<T>({ index: this.n.quarantine, track_total_hits: false, ...body });
    } catch (err) {
      throw storeErrorOf(err, `${what} in ${this.n.quarantine}`);
    }
  }
}

function decodeCursor(cursor: string): [number, number, string] {
  let v: unknown;
  try {
    v = /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 3 || !Number.isSafeInteger(v[0]) || !Number.isSafeInteger(v[1]) || typeof v[2] !== 'string') {
    throw new StoreError('invalid_argument', `invalid quarantine cursor "${cursor}"`);
  }
  return v as [number, number, string];
}
