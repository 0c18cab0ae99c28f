import type Database from 'better-sqlite3';
import type { DeliveryRecord, Deploy, Spike, Verdict, WebhookSubscription } from '@denytrace/schema';
import type { DeployFilter, DetectionStore, DimensionCounterRow, SpikeFilter } from '../detection-store';
import { StoreError } from '../store-error';
import { isoToMs } from '../time-range';
import { decodeTraceCursor, encodeTraceCursor, traceLimit } from '../trace-cursor';

/** Deliveries kept per webhook (older ones are dropped). */
export const MAX_DELIVERIES_PER_WEBHOOK = 1000;
const PAGE = 1000;

/**
 * The SQLite side of {@link DetectionStore}: dimension counters, deploys, spikes, webhooks,
 * notification claims and the delivery log (tables of schema v3, schema.sql.ts). Times are epoch
 * ms in columns, documents JSON. Methods are synchronous; `SqliteEventStore` wraps them.
 */
export class SqliteDetectionRows implements Omit<DetectionStore, 'tracesInRange'> {
  private readonly s: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.s = prepare(db);
  }

  /** Adds dimension counter rows (call inside a transaction). */
  upsertDimensionCounters(rows: readonly DimensionCounterRow[]): void {
    for (const r of rows) this.s.upsertDim.run(r.bucket, r.dataset, r.dimension, r.value, r.method_class, r.count, r.ok);
  }

  async dimensionCounts(since: number, until: number): Promise<DimensionCounterRow[]> {
    return this.s.dimRange.all(since, until) as DimensionCounterRow[];
  }

  /** Verdict documents with first_seen in [since, until) (epoch ms), oldest first, paged by (first_seen, trace_id). */
  *tracesInRangeSync(since: number, until: number, status?: number): Generator<Verdict> {
    let after: [number, string] = [since - 1, ''];
    for (;;) {
      const rows = (status === undefined
        ? this.s.tracesPage.all(after[0], after[0], after[1], until, PAGE)
        : this.s.tracesPageStatus.all(after[0], after[0], after[1], until, status, PAGE)) as Array<{ first_seen: number; trace_id: string; doc: string }>;
      for (const r of rows) yield JSON.parse(r.doc) as Verdict;
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1]!;
      after = [last.first_seen, last.trace_id];
    }
  }

  async recordDeploys(deploys: readonly Deploy[]): Promise<{ inserted: number; updated: number }> {
    let inserted = 0;
    let updated = 0;
    this.db.transaction(() => {
      for (const d of deploys) {
        const known = this.s.getDeploy.get(d.id) as { doc: string } | undefined;
        if (!known) {
          this.s.insertDeploy.run(d.id, d.service, isoToMs(d.started_at, 'started_at'), JSON.stringify(d));
          inserted += 1;
          continue;
        }
        const old = JSON.parse(known.doc) as Deploy;
        const merged: Deploy = { ...old, finished_at: d.finished_at ?? old.finished_at, description: d.description ?? old.description, link: d.link ?? old.link };
        if (JSON.stringify(merged) !== known.doc) {
          this.s.updateDeploy.run(JSON.stringify(merged), d.id);
          updated += 1;
        }
      }
    })();
    return { inserted, updated };
  }

  async listDeploys(f: DeployFilter): Promise<Deploy[]> {
    const since = f.since ? isoToMs(f.since, 'since') : Number.MIN_SAFE_INTEGER;
    const until = f.until ? isoToMs(f.until, 'until') : Number.MAX_SAFE_INTEGER;
    const limit = Math.max(1, Math.min(10_000, f.limit ?? 1000));
    const rows = (f.service ? this.s.deploysOf.all(since, until, f.service, limit) : this.s.deploys.all(since, until, limit)) as Array<{ doc: string }>;
    return rows.map((r) => JSON.parse(r.doc) as Deploy);
  }

  async upsertSpikes(spikes: readonly Spike[]): Promise<void> {
    this.db.transaction(() => {
      for (const sp of spikes) this.s.upsertSpike.run(sp.id, isoToMs(sp.start, 'start'), sp.end ? isoToMs(sp.end, 'end') : null, sp.status, JSON.stringify(sp));
    })();
  }

  async getSpike(id: string): Promise<Spike | undefined> {
    const row = this.s.getSpike.get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Spike) : undefined;
  }

  /** Spikes overlapping [since, until): start < until and (end ≥ since or still firing); newest start first. */
  async listSpikes(f: SpikeFilter): Promise<{ items: Spike[]; next_cursor: string | null }> {
    const limit = traceLimit(f.limit);
    const since = f.since ? isoToMs(f.since, 'since') : Number.MIN_SAFE_INTEGER;
    const until = f.until ? isoToMs(f.until, 'until') : Number.MAX_SAFE_INTEGER;
    const c = f.cursor ? decodeTraceCursor(f.cursor) : { firstSeenMs: Number.MAX_SAFE_INTEGER, traceId: '\uffff' };
    if (f.status !== undefined && f.status !== 'firing' && f.status !== 'resolved') throw new StoreError('invalid_argument', `unknown spike status ${JSON.stringify(f.status)}`);
    const rows = this.s.listSpikes.all(until, since, f.status ?? null, f.status ?? null, c.firstSeenMs, c.firstSeenMs, c.traceId, limit + 1) as Array<{ start: number; id: string; doc: string }>;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => JSON.parse(r.doc) as Spike),
      next_cursor: rows.length > limit && last ? encodeTraceCursor({ firstSeenMs: last.start, traceId: last.id }) : null,
    };
  }

  async createWebhook(w: WebhookSubscription): Promise<void> {
    this.s.insertWebhook.run(w.id, w.created_at, JSON.stringify(w));
  }

  async listWebhooks(): Promise<WebhookSubscription[]> {
    return (this.s.webhooks.all() as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as WebhookSubscription);
  }

  async getWebhook(id: string): Promise<WebhookSubscription | undefined> {
    const row = this.s.getWebhook.get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as WebhookSubscription) : undefined;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.deleteNotifications.run(id);
      return this.s.deleteWebhook.run(id).changes > 0;
    })();
  }

  /** One conditional write each: SQLite serialises writers, so two workers cannot both claim. */
  async claimNotification(spikeId: string, webhookId: string, event: 'firing' | 'resolved'): Promise<boolean> {
    const r = event === 'firing' ? this.s.claimFiring.run(spikeId, webhookId) : this.s.claimResolved.run(spikeId, webhookId);
    return r.changes > 0;
  }

  async recordDelivery(d: DeliveryRecord): Promise<void> {
    this.db.transaction(() => {
      this.s.insertDelivery.run(d.webhook_id, JSON.stringify(d));
      this.s.trimDeliveries.run(d.webhook_id, d.webhook_id, MAX_DELIVERIES_PER_WEBHOOK);
    })();
  }

  async listDeliveries(webhookId: string, limit = 100): Promise<DeliveryRecord[]> {
    const n = Math.max(1, Math.min(MAX_DELIVERIES_PER_WEBHOOK, Math.floor(limit)));
    return (this.s.deliveries.all(webhookId, n) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as DeliveryRecord);
  }
}

function prepare(db: Database.Database) {
  return {
    upsertDim: db.prepare(
      `INSERT INTO dim_counters (bucket, dataset, dimension, value, method_class, count, ok) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket, dataset, dimension, value, method_class) DO UPDATE SET count = count + excluded.count, ok = ok + excluded.ok`,
    ),
    dimRange: db.prepare('SELECT bucket, dataset, dimension, value, method_class, count, ok FROM dim_counters WHERE bucket >= ? AND bucket < ?'),
    tracesPage: db.prepare(
      `SELECT first_seen, trace_id, doc FROM traces WHERE (first_seen > ? OR (first_seen = ? AND trace_id > ?)) AND first_seen < ?
       ORDER BY first_seen, trace_id LIMIT ?`,
    ),
    tracesPageStatus: db.prepare(
      `SELECT first_seen, trace_id, doc FROM traces WHERE (first_seen > ? OR (first_seen = ? AND trace_id > ?)) AND first_seen < ? AND status = ?
       ORDER BY first_seen, trace_id LIMIT ?`,
    ),
    getDeploy: db.prepare('SELECT doc FROM deploys WHERE id = ?'),
    insertDeploy: db.prepare('INSERT INTO deploys (id, service, started_at, doc) VALUES (?, ?, ?, ?)'),
    updateDeploy: db.prepare('UPDATE deploys SET doc = ? WHERE id = ?'),
    deploys: db.prepare('SELECT doc FROM deploys WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id LIMIT ?'),
    deploysOf: db.prepare('SELECT doc FROM deploys WHERE started_at >= ? AND started_at < ? AND service = ? ORDER BY started_at, id LIMIT ?'),
    upsertSpike: db.prepare(
      `INSERT INTO spikes (id, start, end_at, status, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET start = excluded.start, end_at = excluded.end_at, status = excluded.status, doc = excluded.doc`,
    ),
    getSpike: db.prepare('SELECT doc FROM spikes WHERE id = ?'),
    listSpikes: db.prepare(
      `SELECT start, id, doc FROM spikes
       WHERE start < ? AND (end_at IS NULL OR end_at >= ?) AND (? IS NULL OR status = ?) AND (start < ? OR (start = ? AND id < ?))
       ORDER BY start DESC, id DESC LIMIT ?`,
    ),
    insertWebhook: db.prepare('INSERT INTO webhooks (id, created_at, doc) VALUES (?, ?, ?)'),
    webhooks: db.prepare('SELECT doc FROM webhooks ORDER BY created_at, id'),
    getWebhook: db.prepare('SELECT doc FROM webhooks WHERE id = ?'),
    deleteWebhook: db.prepare('DELETE FROM webhooks WHERE id = ?'),
    deleteNotifications: db.prepare('DELETE FROM notifications WHERE webhook_id = ?'),
    claimFiring: db.prepare(`INSERT INTO notifications (spike_id, webhook_id, state) VALUES (?, ?, 'firing_sent') ON CONFLICT DO NOTHING`),
    claimResolved: db.prepare(`UPDATE notifications SET state = 'resolved_sent' WHERE spike_id = ? AND webhook_id = ? AND state = 'firing_sent'`),
    insertDelivery: db.prepare('INSERT INTO deliveries (webhook_id, doc) VALUES (?, ?)'),
    trimDeliveries: db.prepare(
      `DELETE FROM deliveries WHERE webhook_id = ? AND rowid < (
         SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM deliveries WHERE webhook_id = ? ORDER BY rowid DESC LIMIT ?))`,
    ),
    deliveries: db.prepare('SELECT doc FROM deliveries WHERE webhook_id = ? ORDER BY rowid DESC LIMIT ?'),
  };
}
