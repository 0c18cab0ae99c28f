import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { DenytraceConfig } from '@denytrace/config';
import { DenytraceMetrics } from '@denytrace/metrics';
import { CorrelateProducer, windowsForTimestamps } from '@denytrace/queue';
import type { DenyEvent, Verdict } from '@denytrace/schema';
import { EVENT_STORE, NETWORK_LOOKUP, type CounterRow, type EventStore, type NetworkLookup } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { S1, S1_FILES, allVerdicts, drained, obliterate, queueOf, readLog, startWorker, testConfig, waitFor } from '../testing/worker-harness';

/** One labelled 403 of s1 (truth/requests.jsonl). */
interface TruthRow { t: string; emitting_layer: string; rule_id: string; ids: Record<string, string> }
const truth: TruthRow[] = readFileSync(path.join(S1, 'truth', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRow);

/** Writes events and counters as the collector does (one batch, then touch), and enqueues the changed windows. */
async function ingest(app: TestingModule, events: DenyEvent[], counters: CounterRow[]): Promise<void> {
  const store = app.get<EventStore>(EVENT_STORE);
  await store.writeBatch({ events, counters, quarantine: [] });
  const versions = await store.touchWindows(windowsForTimestamps(events.map((e) => e['@timestamp'])));
  await app.get(CorrelateProducer).windowsChanged(versions);
}

async function s1Head(lines: number): Promise<{ events: DenyEvent[]; counters: CounterRow[] }> {
  const parts = await Promise.all(S1_FILES.map((f) => readLog(path.join(S1, f), lines)));
  return { events: parts.flatMap((p) => p.events), counters: parts.flatMap((p) => p.counters) };
}

const byCfId = (vs: Verdict[]) => new Map(vs.flatMap((v) => v.correlation_ids.filter((id) => id.startsWith('amzcf:')).map((id) => [id.slice(6), v] as const)));

describe('correlate worker (real Redis, temp SQLite)', () => {
  const configs: DenytraceConfig[] = [];
  const apps: TestingModule[] = [];
  const queues: Queue[] = [];
  function setup(): { config: DenytraceConfig; queue: Queue } {
    const config = testConfig();
    const queue = queueOf(config);
    configs.push(config);
    queues.push(queue);
    return { config, queue };
  }
  async function worker(config: DenytraceConfig, clock?: () => number): Promise<TestingModule> {
    const app = await startWorker(config, clock);
    apps.push(app);
    return app;
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const q of queues) await obliterate(q);
    for (const c of configs) rmSync(c.dataDir, { recursive: true, force: true });
  });

  describe('one worker', () => {
    let config: DenytraceConfig;
    let queue: Queue;
    let app: TestingModule;
    let store: EventStore;
    beforeAll(async () => {
      ({ config, queue } = setup());
      app = await worker(config);
      store = app.get<EventStore>(EVENT_STORE);
    });

    it('decides the windows it is told about; verdicts agree with s1 truth; a job run again gives the same verdicts', async () => {
      const { events, counters } = await s1Head(4000);
      await ingest(app, events, counters);
      await waitFor(() => drained(store, queue), 60_000, 'the queue to drain');
      const first = await allVerdicts(store);
      const found = byCfId(first);
      // Truth rows whose request is fully inside the lines read (the head of every file covers ~12 minutes).
      const rows = truth.filter((t) => t.t < '2024-03-12T12:10:00Z' && found.has(t.ids.cloudfront_request_id));
      expect(rows.length).toBeGreaterThanOrEqual(30);
      const right = rows.filter((t) => found.get(t.ids.cloudfront_request_id)?.emitting_layer === t.emitting_layer);
      expect(right.length / rows.length).toBeGreaterThanOrEqual(0.95);

      const windows = (await store.windowVersions(windowsForTimestamps(events.map((e) => e['@timestamp'])))).filter((w) => w.version > 0);
      const jobs = await queue.addBulk(windows.map((w) => ({ name: 'settle-window', data: { window: w.window, version: w.version }, opts: { jobId: `again-${w.window}` } })));
      await waitFor(async () => (await Promise.all(jobs.map((j) => j.getState()))).every((s) => s === 'completed'), 60_000, 'the re-run jobs');
      const rerun = await Promise.all(jobs.map(async (j) => (await queue.getJob(j.id!))!.returnvalue as { result: string }));
      expect(rerun.every((r) => r.result === 'written')).toBe(true);
      expect(await allVerdicts(store)).toEqual(first);
      // Each written decision counts its verdicts again: at least the first decision plus the re-run.
      const counted = (await app.get(DenytraceMetrics).verdicts.get()).values.reduce((n, v) => n + v.value, 0);
      expect(counted).toBeGreaterThanOrEqual(2 * first.length);
      const latency = (await app.get(DenytraceMetrics).jobLatency.get()).values.find((v) => v.metricName === 'denytrace_job_latency_seconds_count' && v.labels.name === 'settle-window');
      expect(latency?.value).toBeGreaterThanOrEqual(jobs.length);
    });

    it('the sweep decides a window whose enqueue was lost', async () => {
      const { events, counters } = await readLog(path.join(S1, 'waf.log.gz'), Infinity, (line) => line.includes('"action":"BLOCK"') && line.includes('"timestamp":171025'));
      expect(events.length).toBeGreaterThan(0);
      await store.writeBatch({ events, counters, quarantine: [] });
      await store.touchWindows(windowsForTimestamps(events.map((e) => e['@timestamp']))); // no enqueue: as if Redis was down
      expect((await store.staleWindows(10)).length).toBeGreaterThan(0);
      await queue.add('sweep', {});
      await waitFor(() => drained(store, queue), 60_000, 'the sweep to decide the stale windows');
      const ids = new Set((await allVerdicts(store)).flatMap((v) => v.correlation_ids));
      const refused = events.filter((e) => e.denytrace.decision === 'deny');
      expect(refused.length).toBeGreaterThan(100);
      expect(refused.filter((e) => !e.denytrace.correlation_ids.some((id) => ids.has(id)))).toEqual([]);
    });

    it('fails a malformed job at once and keeps it for inspection', async () => {
      const job = await queue.add('correlate-window', { window: 'soon', version: 1 } as never, { attempts: 3 });
      await waitFor(async () => (await job.getState()) === 'failed', 30_000, 'the job to fail');
      const failed = (await queue.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toContain('is not an epoch ms integer');
    });
  });

  it('two workers on one queue and store give exactly the verdicts redecide gives (20 000 lines of each s1 file)', async () => {
    const { config, queue } = setup();
    const a = await worker(config);
    const b = await worker(config);
    const store = a.get<EventStore>(EVENT_STORE);
    const { events, counters } = await s1Head(20_000);
    // Three batches, as three pushes would arrive, each enqueueing its windows while the workers decide.
    const third = Math.ceil(events.length / 3);
    for (let i = 0; i < 3; i++) await ingest(i % 2 ? b : a, events.slice(i * third, (i + 1) * third), i === 0 ? counters : []);
    await waitFor(() => drained(store, queue), 110_000, 'the queue to drain');
    const byWorkers = await allVerdicts(store);
    expect(byWorkers.length).toBeGreaterThan(300);

    await redecideAll(store, { network: a.get<NetworkLookup>(NETWORK_LOOKUP) });
    expect(await allVerdicts(store)).toEqual(byWorkers);
  });

  it('a late app deny turns a provisional verdict from the CloudFront line into a final one naming the app', async () => {
    const row = truth.find((t) => t.emitting_layer === 'app' && t.rule_id === 'tenant-isolation')!;
    const t = Date.parse(row.t);
    let now = t + 60_000;
    const { config, queue } = setup();
    const app = await worker(config, () => now);
    const store = app.get<EventStore>(EVENT_STORE);
    const pick = (file: string, needle: string) => readLog(path.join(S1, file), Infinity, (line) => line.includes(needle));
    const outer = await Promise.all([
      pick('cloudfront.log.gz', row.ids.cloudfront_request_id), pick('waf.log.gz', row.ids.cloudfront_request_id),
      pick('alb.log.gz', row.ids.alb_trace_root), pick('nginx.log.gz', row.ids.nginx_request_id),
    ]);
    const late = await pick('app.log.gz', row.ids.app_request_id);
    expect(outer.map((p) => p.events.length)).toEqual([1, 1, 1, 1]);
    expect(late.events).toHaveLength(1);

    await ingest(app, outer.flatMap((p) => p.events), outer.flatMap((p) => p.counters));
    await waitFor(() => drained(store, queue), 30_000, 'the first decision');
    const before = await store.getTrace(`amzcf:${row.ids.cloudfront_request_id}`);
    expect(before?.provisional).toBe(true);
    expect(before?.decisive_rule?.id).not.toBe(row.rule_id);

    now = t + 2 * 3600_000;
    await ingest(app, late.events, late.counters);
    await waitFor(async () => (await drained(store, queue)) && (await store.getTrace(`amzcf:${row.ids.cloudfront_request_id}`))?.emitting_layer === 'app', 30_000, 'the re-decision');
    const after = (await store.getTrace(`amzcf:${row.ids.cloudfront_request_id}`))!;
    expect(after).toMatchObject({ emitting_layer: row.emitting_layer, decisive_rule: { id: row.rule_id }, provisional: false });
    expect(after.correlation_ids).toEqual(expect.arrayContaining(before!.correlation_ids));
  });
});
