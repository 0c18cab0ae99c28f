import type { Client, estypes } from '@elastic/elasticsearch';
import { hasRefusalMark, type DeliveryRecord, type DenyEvent, type Deploy, type Spike, type Verdict, type WebhookSubscription } from '@denytrace/schema';
import type { DeployFilter, DimensionCounterRow, SpikeFilter } from '../detection-store';
import type {
  CounterColumn, CounterRow, DatasetCoverage, EventStore, FileState, QuarantinedRecord, QuarantineFilter, QuarantineRow, Retention, TraceFilter,
  VerdictCountFilter, VerdictCountRow, WindowVersion, WriteBatch,
} from '../event-store';
import { StoreError } from '../store-error';
import { isoToMs } from '../time-range';
import type { EsBulkOptions } from './es-bulk';
import { buildEsClient, waitForCluster, type EsConnectionOptions, type StartupRetry } from './es-client';
import { EsCounters } from './es-counters';
import { EsDeliveries } from './es-deliveries';
import { EsDeploys } from './es-deploys';
import { EsDimensions, validDimensions } from './es-dimensions';
import { EsEvents } from './es-events';
import { EsFiles } from './es-files';
import { esNames, type EsNames } from './es-names';
import { EsQuarantine } from './es-quarantine';
import { installEsResources, type EsRetention } from './es-setup';
import { EsSpikes } from './es-spikes';
import { EsTraces } from './es-traces';
import { verdictCounts, type VerdictGroup } from './es-verdict-counts';
import { EsWebhooks } from './es-webhooks';
import { EsWindows, uniqueWindows } from './es-windows';

/** Options of {@link ElasticsearchEventStore.open}. */
export interface ElasticsearchStoreOptions extends EsConnectionOptions {
  /** Data stream namespace (`[a-z0-9_]`, default `default`): one per deployment. */
  namespace?: string;
  /** `refusals` (default): only events with a refusal mark are stored; `all`: every event. */
  retention?: Retention;
  /** ILM retention in days: raw events (default 30) and verdicts with their counters (default 180). */
  days?: Partial<EsRetention>;
  /** `client.helpers.bulk` tuning (defaults: 5 MB flushes, concurrency 2, 3 retries on 429, 1 s apart). */
  bulk?: EsBulkOptions;
  /** Refresh of writes: `wait_for` (default) returns once they are searchable, as the interface's callers expect. */
  refresh?: estypes.Refresh;
  /** Events per page of `eventsInRange` and id lookups (default 1000). */
  pageSize?: number;
  /** Install templates, policies and indices at open (default true; `denytrace setup` does it alone). */
  setup?: boolean;
  /** Bounded retries while the cluster does not answer at open. */
  startup?: StartupRetry;
  /** A ready client (tests: a client over `@elastic/elasticsearch-mock`), left open by `close()`; else one is built from the options. */
  client?: Client;
}

/**
 * The production `EventStore` on Elasticsearch 8 or 9 (DESIGN.md "Storage"; README "Running on
 * Elasticsearch"). Layout (es-names.ts): events in the data stream `logs-denytrace.events-<ns>`
 * (es-events.ts), verdicts and counters in monthly indices (es-traces.ts, es-counters.ts),
 * windows, quarantine and file state in single indices; templates and ILM in es-setup.ts. Spike
 * detection and alerts (`DetectionStore`): dimension counters (es-dimensions.ts), deploys
 * (es-deploys.ts), spikes (es-spikes.ts), webhooks and notification claims (es-webhooks.ts), the
 * delivery log (es-deliveries.ts).
 * Throws {@link StoreError}: `unavailable` when the cluster cannot be reached, `backend` when it
 * refuses a request, `invalid_argument`, `closed`.
 *
 * Where it differs from the embedded store, because Elasticsearch has no multi-document transaction:
 * - `writeBatch` validates the whole batch first (a bad time or window writes nothing), then writes
 *   in an order that keeps its promise as far as it can: (1) touch the windows, (2) events,
 *   (3) quarantined lines (with any event Elasticsearch refused), (4) counters and dimension
 *   counters, (5) touch the windows
 *   again, (6) the file state last. A crash after (1) leaves the windows stale, so the sweep
 *   re-decides them rather than leaving new events undecided; the second touch makes the returned
 *   versions newer than any decision taken while the events were landing; the file state, written
 *   last, makes a crashed batch be read again — events are then skipped as duplicates, but its
 *   counters (if (4) had completed) are added a second time.
 * - The webhook delivery log is bounded by time (the verdicts' ILM retention), not to the newest
 *   1000 deliveries per webhook; `recordDeploys` is optimistic concurrency, not a transaction (a
 *   deploy another writer changed meanwhile is read and merged again).
 * - `replaceTracesIfCurrent` is a compare-and-set on the window document's `_seq_no` followed by the
 *   writes (es-windows.ts): events touched after the claim do not turn it into `false`; their own
 *   decision replaces its verdicts, and never the reverse.
 * - An event Elasticsearch refuses (a mapping error) is quarantined as `store_rejected` and counted
 *   neither inserted nor duplicate.
 */
export class ElasticsearchEventStore implements EventStore {
  readonly names: EsNames;
  readonly retention: Retention;
  private readonly events: EsEvents;
  private readonly counters: EsCounters;
  private readonly traces: EsTraces;
  private readonly windows: EsWindows;
  private readonly quarantined: EsQuarantine;
  private readonly files: EsFiles;
  private readonly dimensions: EsDimensions;
  private readonly deploys: EsDeploys;
  private readonly spikes: EsSpikes;
  private readonly webhooks: EsWebhooks;
  private readonly deliveries: EsDeliveries;
  private closed = false;

  private constructor(readonly client: Client, options: ElasticsearchStoreOptions, private readonly ownsClient: boolean) {
    this.names = esNames(options.namespace ?? 'default');
    this.retention = options.retention ?? 'refusals';
    const refresh = options.refresh ?? 'wait_for';
    const bulk = options.bulk ?? {};
    this.events = new EsEvents(client, this.names, { bulk, refresh, pageSize: Math.max(1, options.pageSize ?? 1000) });
    this.counters = new EsCounters(client, this.names, { bulk, refresh });
    this.traces = new EsTraces(client, this.names, { bulk, refresh, pageSize: Math.max(1, options.pageSize ?? 1000) });
    this.windows = new EsWindows(client, this.names, { refresh });
    this.quarantined = new EsQuarantine(client, this.names, { bulk, refresh });
    this.files = new EsFiles(client, this.names, { refresh });
    this.dimensions = new EsDimensions(client, this.names, { bulk, refresh });
    this.deploys = new EsDeploys(client, this.names, { bulk, refresh });
    this.spikes = new EsSpikes(client, this.names, { bulk, refresh });
    this.webhooks = new EsWebhooks(client, this.names, { refresh });
    this.deliveries = new EsDeliveries(client, this.names, { refresh });
  }

  /**
   * Connects (bounded retries with backoff while the cluster does not answer), installs templates,
   * policies and indices unless `setup: false`, and returns the store.
   * @throws StoreError('unavailable') in one line naming the URL when the cluster stays unreachable
   *   or refuses the credentials; StoreError('invalid_argument') for a bad namespace or CA file.
   */
  static async open(options: ElasticsearchStoreOptions): Promise<ElasticsearchEventStore> {
    const ns = options.namespace ?? 'default';
    if (!/^[a-z0-9_]{1,100}$/.test(ns)) throw new StoreError('invalid_argument', `Elasticsearch namespace must be lower-case letters, digits or _ (got ${JSON.stringify(ns)})`);
    const client = options.client ?? buildEsClient(options);
    try {
      await waitForCluster(client, options.node, options.startup);
      const store = new ElasticsearchEventStore(client, options, !options.client);
      if (options.setup !== false) await installEsResources(client, store.names, { eventsDays: options.days?.eventsDays ?? 30, verdictsDays: options.days?.verdictsDays ?? 180 });
      return store;
    } catch (err) {
      if (!options.client) await client.close().catch(() => undefined);
      throw err;
    }
  }

  async bulkInsert(events: readonly DenyEvent[]): Promise<{ inserted: number; duplicates: number; skipped: number }> {
    this.live();
    const { kept, skipped } = this.keep(events);
    const r = await this.events.insert(kept);
    if (r.rejected.length) await this.quarantined.add(r.rejected, Date.now());
    return { inserted: r.inserted, duplicates: r.duplicates, skipped };
  }

  /** Per-minute counters, then dimension counters (two bulk requests: a failure of the second leaves the first added). */
  async addCounters(rows: readonly CounterRow[], dimensions: readonly DimensionCounterRow[] = []): Promise<void> {
    this.live();
    const counters = validCounters(rows);
    const dims = validDimensions(dimensions);
    await this.counters.add(counters);
    await this.dimensions.add(dims);
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    this.live();
    await this.quarantined.add(rows, Date.now());
  }

  /** See the class docstring for the order of the writes and what a crash in between leaves. */
  async writeBatch(batch: WriteBatch): Promise<{ inserted: number; duplicates: number; skipped: number; windows: WindowVersion[] }> {
    this.live();
    const { kept, skipped } = this.keep(batch.events);
    const counters = validCounters(batch.counters);
    const dims = validDimensions(batch.dimension_counters ?? []);
    const windows = uniqueWindows(batch.windows ?? []);
    if (windows.length) await this.windows.touch(windows);
    const r = await this.events.insert(kept);
    await this.quarantined.add([...batch.quarantine, ...r.rejected], Date.now());
    await this.counters.add(counters);
    await this.dimensions.add(dims);
    const versions = windows.length ? await this.windows.touch(windows) : [];
    if (batch.fileState) await this.files.set(batch.fileState);
    return { inserted: r.inserted, duplicates: r.duplicates, skipped, windows: versions };
  }

  /** Events the retention keeps, each `@timestamp` checked first (a bad one fails the call before any write). */
  private keep(events: readonly DenyEvent[]): { kept: DenyEvent[]; skipped: number } {
    const kept = this.retention === 'all' ? [...events] : events.filter((e) => hasRefusalMark(e));
    for (const e of kept) isoToMs(e['@timestamp'], `event ${e.event.id} @timestamp`);
    return { kept, skipped: events.length - kept.length };
  }

  async listQuarantine(filter: QuarantineFilter): Promise<{ items: QuarantinedRecord[]; next_cursor: string | null }> {
    this.live();
    return this.quarantined.list(filter);
  }

  async quarantineCounts(): Promise<Array<{ source_file: string; reason: string; count: number }>> {
    this.live();
    return this.quarantined.counts();
  }

  async getFileState(fingerprint: string): Promise<FileState | undefined> {
    this.live();
    return this.files.get(fingerprint);
  }

  async setFileState(state: FileState): Promise<void> {
    this.live();
    await this.files.set(state);
  }

  async eventsByCorrelationIds(ids: readonly string[]): Promise<DenyEvent[]> {
    this.live();
    return ids.length ? this.events.byCorrelationIds(ids) : [];
  }

  async *eventsInRange(since: string, until: string): AsyncIterable<DenyEvent> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.live();
    yield* this.events.inRange(sinceMs, untilMs);
  }

  async eventTimeBounds(): Promise<{ first: string; last: string } | undefined> {
    this.live();
    return this.events.timeBounds();
  }

  /** Writes these verdicts and deletes the range's others, under a fresh decision stamp (es-traces.ts). */
  async replaceTraces(since: string, until: string, verdicts: readonly Verdict[]): Promise<void> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.live();
    await this.traces.replace(sinceMs, untilMs, verdicts, await this.windows.stamp());
  }

  async getTrace(idOrCorrelationId: string): Promise<Verdict | undefined> {
    this.live();
    return this.traces.get(idOrCorrelationId);
  }

  async listTraces(filter: TraceFilter): Promise<{ items: Verdict[]; next_cursor: string | null }> {
    this.live();
    return this.traces.list(filter);
  }

  async touchWindows(windows: readonly number[]): Promise<WindowVersion[]> {
    this.live();
    return this.windows.touch(windows);
  }

  async windowVersions(windows: readonly number[]): Promise<WindowVersion[]> {
    this.live();
    return this.windows.versions(windows);
  }

  async staleWindows(limit: number): Promise<WindowVersion[]> {
    this.live();
    return this.windows.stale(limit);
  }

  async replaceTracesIfCurrent(window: number, windowMs: number, version: number, verdicts: readonly Verdict[]): Promise<boolean> {
    this.live();
    return this.windows.replaceIfCurrent(window, windowMs, version, verdicts, this.traces);
  }

  async verdictCounts(q: { since: string; until: string; groupBy: VerdictGroup; intervalMs: number; status?: number; where?: VerdictCountFilter }): Promise<VerdictCountRow[]> {
    const sinceMs = isoToMs(q.since, 'since');
    const untilMs = isoToMs(q.until, 'until');
    this.live();
    return verdictCounts(this.client, this.names.tracesPattern, { sinceMs, untilMs, groupBy: q.groupBy, intervalMs: q.intervalMs, status: q.status, where: q.where });
  }

  async coverage(since: string, until: string): Promise<DatasetCoverage[]> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.live();
    return this.counters.coverage(sinceMs, untilMs);
  }

  async counterTotals(
    since: string, until: string, groupBy: ReadonlyArray<CounterColumn>,
  ): Promise<Array<Record<string, string | number>>> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.live();
    return this.counters.totals(sinceMs, untilMs, [...new Set(groupBy)]);
  }

  async dimensionCounts(since: number, until: number): Promise<DimensionCounterRow[]> {
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until)) throw new StoreError('invalid_argument', `dimensionCounts needs integer epoch ms (got ${since}, ${until})`);
    this.live();
    return this.dimensions.counts(since, until);
  }

  async *tracesInRange(since: string, until: string, opts: { status?: number } = {}): AsyncIterable<Verdict> {
    const sinceMs = isoToMs(since, 'since');
    const untilMs = isoToMs(until, 'until');
    this.live();
    yield* this.traces.inRange(sinceMs, untilMs, opts.status);
  }

  /** Insert or merge by id with optimistic concurrency (es-deploys.ts). */
  async recordDeploys(deploys: readonly Deploy[]): Promise<{ inserted: number; updated: number }> {
    this.live();
    return this.deploys.record(deploys);
  }

  async listDeploys(filter: DeployFilter): Promise<Deploy[]> {
    this.live();
    return this.deploys.list(filter);
  }

  async upsertSpikes(spikes: readonly Spike[]): Promise<void> {
    this.live();
    await this.spikes.upsert(spikes);
  }

  async getSpike(id: string): Promise<Spike | undefined> {
    this.live();
    return this.spikes.get(id);
  }

  async listSpikes(filter: SpikeFilter): Promise<{ items: Spike[]; next_cursor: string | null }> {
    this.live();
    return this.spikes.list(filter);
  }

  async createWebhook(w: WebhookSubscription): Promise<void> {
    this.live();
    await this.webhooks.create(w);
  }

  async listWebhooks(): Promise<WebhookSubscription[]> {
    this.live();
    return this.webhooks.list();
  }

  async getWebhook(id: string): Promise<WebhookSubscription | undefined> {
    this.live();
    return this.webhooks.get(id);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    this.live();
    return this.webhooks.delete(id);
  }

  /** One single-document write (`create`, or a scripted update with a noop): atomic across workers (es-webhooks.ts). */
  async claimNotification(spikeId: string, webhookId: string, event: 'firing' | 'resolved'): Promise<boolean> {
    this.live();
    return this.webhooks.claim(spikeId, webhookId, event);
  }

  /** Appends to the delivery log, bounded by time (ILM) rather than by count per webhook (es-deliveries.ts). */
  async recordDelivery(d: DeliveryRecord): Promise<void> {
    this.live();
    await this.deliveries.record(d);
  }

  async listDeliveries(webhookId: string, limit?: number): Promise<DeliveryRecord[]> {
    this.live();
    return this.deliveries.list(webhookId, limit);
  }

  /** Closes the client it built (a client given in the options stays the caller's); a second call does nothing. Later calls throw `StoreError('closed')`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }

  private live(): void {
    if (this.closed) throw new StoreError('closed', `the Elasticsearch store ${this.names.namespace} is closed`);
  }
}

/** Counter rows with integer minutes and counts. @throws StoreError('invalid_argument') naming the first bad one. */
function validCounters(rows: readonly CounterRow[]): readonly CounterRow[] {
  for (const r of rows) {
    if (!Number.isSafeInteger(r.minute) || !Number.isSafeInteger(r.count)) throw new StoreError('invalid_argument', `counter row needs integer minute and count (got ${r.minute}, ${r.count})`);
  }
  return rows;
}
