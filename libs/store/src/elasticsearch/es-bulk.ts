import type { Client, estypes } from '@elastic/elasticsearch';
import type { helpers } from '@elastic/elasticsearch';

type BulkHelperOptions<T> = helpers.BulkHelperOptions<T>;
type OnDropDocument<T> = helpers.OnDropDocument<T>;
import { storeErrorOf } from './es-errors';

/**
 * Tuning of `client.helpers.bulk`
 * (https://www.elastic.co/guide/en/elasticsearch/client/javascript-api/current/client-helpers.html):
 * a request is sent at `flushBytes` of NDJSON, `concurrency` requests at once, documents answered
 * 429 are retried `retries` times `waitMs` apart.
 */
export interface EsBulkOptions {
  flushBytes?: number;
  concurrency?: number;
  retries?: number;
  waitMs?: number;
}

/** What a bulk run did: documents written, documents answered 409 (already there), and the other failures. */
export interface BulkOutcome<T> {
  successful: number;
  conflicts: T[];
  failed: Array<{ document: T; status: number; error: string }>;
}

/**
 * Runs one bulk helper over `docs`: `action(doc)` gives the action line (and for updates the body).
 * Nothing is dropped silently: every per-document failure comes back in `conflicts` (409) or
 * `failed` (anything else, after the 429 retries), for the caller to count or quarantine.
 * `refresh` is passed to each `_bulk` request (`wait_for`: the call returns once the documents are
 * searchable).
 * @throws StoreError when a whole request fails (cluster down, credentials refused).
 */
export async function runBulk<T>(
  client: Client, docs: readonly T[], action: BulkHelperOptions<T>['onDocument'], o: EsBulkOptions & { refresh?: estypes.Refresh; what: string },
): Promise<BulkOutcome<T>> {
  const out: BulkOutcome<T> = { successful: 0, conflicts: [], failed: [] };
  if (docs.length === 0) return out;
  const onDrop = (d: OnDropDocument<T>): void => {
    if (d.status === 409) out.conflicts.push(d.document);
    else out.failed.push({ document: d.document, status: d.status, error: d.error ? `${d.error.type}: ${d.error.reason ?? ''}`.trim() : `HTTP ${d.status}` });
  };
  try {
    const stats = await client.helpers.bulk<T>({
      datasource: [...docs],
      onDocument: action,
      onDrop,
      flushBytes: o.flushBytes ?? 5_000_000,
      concurrency: o.concurrency ?? 2,
      retries: o.retries ?? 3,
      wait: o.waitMs ?? 1000,
      refresh: o.refresh,
    });
    out.successful = stats.successful;
  } catch (err) {
    throw storeErrorOf(err, o.what);
  }
  return out;
}
