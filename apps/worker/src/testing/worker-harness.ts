/**
 * Test helpers for the worker: start worker app contexts on a private queue prefix and store dir,
 * read s1 lines into events and counters, wait for the queue to drain, clean Redis up. Test-only.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Test, type TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { ConfigModule, loadConfig, type DenytraceConfig } from '@denytrace/config';
import { MinuteCounters } from '@denytrace/ingest';
import { MetricsModule } from '@denytrace/metrics';
import { detectFormat } from '@denytrace/parsers';
import { CORRELATE_QUEUE, QueueModule, redisConnection } from '@denytrace/queue';
import type { DenyEvent, Verdict } from '@denytrace/schema';
import { StoreModule, type CounterRow, type EventStore } from '@denytrace/store';
import { WORKER_CLOCK, type WorkerClock } from '../correlate/worker-clock';
import { WorkerFeaturesModule } from '../worker-features.module';

/** Scenario s1 of the shared material (the repo is cloned next to `shared/`). */
export const S1 = path.resolve(__dirname, '../../../../../shared/scenarios/s1');
export const S1_FILES = ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'];

/** A validated config on a fresh temp data dir and a private queue prefix `test-<random>`, with s1's network table. */
export function testConfig(): DenytraceConfig {
  return loadConfig({
    DENYTRACE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'denytrace-worker-')),
    DENYTRACE_QUEUE_PREFIX: `test-${Math.random().toString(36).slice(2, 10)}`,
    DENYTRACE_GEOIP: path.join(S1, 'geoip.csv'),
    DENYTRACE_WORKER_CONCURRENCY: '2',
    HOME: tmpdir(),
  });
}

/** One worker process's modules (config, store, queue, metrics, worker features) as a started app context. */
export async function startWorker(config: DenytraceConfig, clock?: WorkerClock): Promise<TestingModule> {
  let builder = Test.createTestingModule({ imports: [ConfigModule.forRoot(config), StoreModule, QueueModule, MetricsModule, WorkerFeaturesModule] });
  if (clock) builder = builder.overrideProvider(WORKER_CLOCK).useValue(clock);
  const app = await builder.compile();
  app.useLogger(false);
  await app.init();
  return app;
}

/** A plain BullMQ queue handle on the config's prefix, for counts and `obliterate`. */
export function queueOf(config: DenytraceConfig): Queue {
  return new Queue(CORRELATE_QUEUE, { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix });
}

/** Removes every key of the queue (jobs, schedulers) and closes the handle. */
export async function obliterate(queue: Queue): Promise<void> {
  await queue.obliterate({ force: true });
  await queue.close();
}

/** Reads the first `maxLines` lines of a (gzip) log file: events (format detected as ingest does) and per-minute counters of them. */
export async function readLog(file: string, maxLines = Infinity, keep: (line: string) => boolean = () => true): Promise<{ events: DenyEvent[]; counters: CounterRow[] }> {
  const lines: string[] = [];
  const input = createReadStream(file).pipe(createGunzip());
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (lines.length >= maxLines) break;
    lines.push(line);
  }
  rl.close();
  input.destroy();
  const format = detectFormat(lines.slice(0, 40))?.format;
  if (!format) throw new Error(`no format detected for ${file}`);
  const parser = format.createParser({ sourceName: path.basename(file) });
  const events: DenyEvent[] = [];
  const counters = new MinuteCounters();
  lines.forEach((line, i) => {
    const out = parser.parse(line, i + 1);
    if (out.kind !== 'event' || !keep(line)) return;
    events.push(out.event);
    counters.add(out.event);
  });
  return { events, counters: counters.drain() };
}

/** Polls `done` every 100 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when no window is stale and no job is waiting or running. */
export async function drained(store: EventStore, queue: Queue): Promise<boolean> {
  if ((await store.staleWindows(1)).length > 0) return false;
  const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
  return c.waiting + c.active + c.prioritized === 0;
}

/** Every stored verdict, sorted by trace_id. */
export async function allVerdicts(store: EventStore): Promise<Verdict[]> {
  const out: Verdict[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTraces({ limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return out.sort((a, b) => (a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0));
}
