import type { Client, estypes } from '@elastic/elasticsearch';
import type { Deploy } from '@denytrace/schema';
import type { DeployFilter } from '../detection-store';
import { StoreError } from '../store-error';
import { isoToMs } from '../time-range';
import { runBulk, type EsBulkOptions } from './es-bulk';
import { storeErrorOf } from './es-errors';
import type { EsNames } from './es-names';

/** Rounds of read-and-write before `record` gives up on deploys other writers keep changing. */
const RECORD_ATTEMPTS = 5;

/** What one round decided for one id: the document to write (if any) and what it counts as. */
interface Plan {
  doc: Deploy;
  /** `create` for a new id, else the `_seq_no`/`_primary_term` read (an `index` conditioned on them). */
  seen?: { seq: number; term: number };
  inserted: number;
  updated: number;
}

/**
 * Deploys in `denytrace-<ns>-deploys`, `_id` = deploy id (libs/schema/src/deploy.ts `deployId`).
 * Same semantics as the embedded store: a new id is inserted; a known one gets `finished_at`,
 * `description` and `link` from the newer record when it has them, and counts as updated only when
 * that changed the document. Without a transaction this is optimistic concurrency
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/optimistic-concurrency-control.html):
 * read the ids with a realtime `mget`, then one bulk of `create` (new ids) and `index` conditioned on
 * the `_seq_no`/`_primary_term` read (changed ids); an id answered 409 was written by someone else
 * meanwhile and is read and merged again.
 */
export class EsDeploys {
  constructor(private readonly client: Client, private readonly n: EsNames, private readonly o: { bulk: EsBulkOptions; refresh: estypes.Refresh }) {}

  /**
   * Stores deploys by id, in order (a later record of an id merges into the earlier one).
   * @throws StoreError('invalid_argument') for a bad started_at (before any write); `backend` when a
   *   deploy is refused, `unavailable` when other writers kept changing the same ids.
   */
  async record(deploys: readonly Deploy[]): Promise<{ inserted: number; updated: number }> {
    const byId = new Map<string, Deploy[]>();
    for (const d of deploys) {
      isoToMs(d.started_at, `deploy ${d.id} started_at`);
      byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
    }
    let inserted = 0;
    let updated = 0;
    let pending = [...byId.keys()];
    for (let attempt = 0; attempt < RECORD_ATTEMPTS && pending.length; attempt++) {
      const plans = await this.plan(pending, byId);
      const writes = [...plans.values()].filter((p) => p.inserted || p.updated);
      const out = await runBulk<Deploy>(
        this.client, writes.map((p) => p.doc),
        (d) => {
          const seen = plans.get(d.id)!.seen;
          return seen
            ? { index: { _index: this.n.deploys, _id: d.id, if_seq_no: seen.seq, if_primary_term: seen.term } }
            : { create: { _index: this.n.deploys, _id: d.id } };
        },
        { ...this.o.bulk, refresh: this.o.refresh, what: `deploy write into ${this.n.deploys}` },
      );
      if (out.failed.length) throw new StoreError('backend', `${out.failed.length} deploy(s) refused by Elasticsearch (first: ${out.failed[0].status} ${out.failed[0].error})`);
      const retry = new Set(out.conflicts.map((d) => d.id));
      for (const [id, p] of plans) {
        if (retry.has(id)) continue;
        inserted += p.inserted;
        updated += p.updated;
      }
      pending = [...retry];
    }
    if (pending.length) throw new StoreError('unavailable', `deploy write into ${this.n.deploys}: ${pending.length} deploy(s) kept changing over ${RECORD_ATTEMPTS} attempts; retry`);
    return { inserted, updated };
  }

  /** Deploys with started_at in [since, until), of one service when given, oldest first (ties by id), at most `limit` (default 1000, at most 10 000). */
  async list(f: DeployFilter): Promise<Deploy[]> {
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (f.since !== undefined || f.until !== undefined) {
      filter.push({ range: { started_at: { gte: f.since === undefined ? undefined : isoToMs(f.since, 'since'), lt: f.until === undefined ? undefined : isoToMs(f.until, 'until'), format: 'epoch_millis' } } });
    }
    if (f.service !== undefined) filter.push({ term: { service: f.service } });
    const size = Math.max(1, Math.min(10_000, Math.floor(f.limit ?? 1000)));
    try {
      const res = await this.client.search<Deploy>({
        index: this.n.deploys, track_total_hits: false, query: { bool: { filter } }, sort: [{ started_at: 'asc' }, { id: 'asc' }], size,
      });
      return res.hits.hits.map((h) => h._source as Deploy);
    } catch (err) {
      throw storeErrorOf(err, `deploy list in ${this.n.deploys}`);
    }
  }

  /** Reads `ids` (realtime `mget`) and folds each id's records into what to write. */
  private async plan(ids: readonly string[], byId: ReadonlyMap<string, readonly Deploy[]>): Promise<Map<string, Plan>> {
    let res: estypes.MgetResponse<Deploy>;
    try {
      res = await this.client.mget<Deploy>({ index: this.n.deploys, ids: [...ids], realtime: true });
    } catch (err) {
      throw storeErrorOf(err, `deploy lookup in ${this.n.deploys}`);
    }
    const plans = new Map<string, Plan>();
    ids.forEach((id, i) => {
      const got = res.docs[i] as estypes.GetGetResult<Deploy>;
      const records = byId.get(id)!;
      const plan: Plan = got.found
        ? { doc: got._source as Deploy, seen: { seq: got._seq_no as number, term: got._primary_term as number }, inserted: 0, updated: 0 }
        : { doc: records[0], inserted: 1, updated: 0 };
      for (const d of got.found ? records : records.slice(1)) {
        const merged = mergeDeploy(plan.doc, d);
        if (merged !== plan.doc) {
          plan.doc = merged;
          plan.updated += 1;
        }
      }
      plans.set(id, plan);
    });
    return plans;
  }
}

/** `old` with the newer record's finished_at, description and link where it has them; `old` itself when nothing changes. */
export function mergeDeploy(old: Deploy, d: Deploy): Deploy {
  const merged: Deploy = { ...old, finished_at: d.finished_at ?? old.finished_at, description: d.description ?? old.description, link: d.link ?? old.link };
  return merged.finished_at === old.finished_at && merged.description === old.description && merged.link === old.link ? old : merged;
}
