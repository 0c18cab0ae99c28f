import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ConfigModule, loadConfig } from '@denytrace/config';
import { MetricsModule } from '@denytrace/metrics';
import { CORRELATE_QUEUE, QueueModule } from '@denytrace/queue';
import { EVENT_STORE, StoreModule, type EventStore } from '@denytrace/store';
import { TailModule } from './tail.module';
import { TailService } from './tail.service';

const SINCE = '2000-01-01T00:00:00.000Z';
const UNTIL = '2100-01-01T00:00:00.000Z';

/**
 * One nginx `combined` line (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format):
 * line `i` is a 403 when `i % 7 === 0`, a 404 when `i % 11 === 0`, else a 200, at 14:MM:SS on
 * 12 Mar 2024 UTC. The expected counts of a test come from these rules, not from our output.
 */
export function nginxLine(i: number): string {
  const status = statusOf(i);
  const sec = String(i % 60).padStart(2, '0');
  const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
  return `192.0.2.${i % 200} - - [12/Mar/2024:14:${min}:${sec} +0000] "GET /item/${i}?q=${i} HTTP/1.1" ${status} ${100 + i} "-" "tail-test/${i}"`;
}

export function statusOf(i: number): number {
  return i % 7 === 0 ? 403 : i % 11 === 0 ? 404 : 200;
}

/** Lines `from..to` (inclusive), each ending in `\n`. */
export function nginxLines(from: number, to: number): string {
  let out = '';
  for (let i = from; i <= to; i++) out += `${nginxLine(i)}\n`;
  return out;
}

/** Expected requests by status for lines `from..to`, from {@link statusOf}. */
export function expectedByStatus(...ranges: Array<[number, number]>): Record<number, number> {
  const by: Record<number, number> = {};
  for (const [from, to] of ranges) for (let i = from; i <= to; i++) by[statusOf(i)] = (by[statusOf(i)] ?? 0) + 1;
  return by;
}

/** Counted requests by status (the per-minute counters: every record once). */
export async function countsByStatus(store: EventStore): Promise<Record<number, number>> {
  const rows = await store.counterTotals(SINCE, UNTIL, ['status']);
  return Object.fromEntries(rows.map((r) => [Number(r.status), Number(r.count)]));
}

/** `url.path` of every stored event (retention `refusals`: the 403s), sorted; a duplicate would show twice. */
export async function storedEvents(store: EventStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.eventsInRange(SINCE, UNTIL)) out.push(e.url?.path ?? '');
  return out.sort();
}

/** A temp data dir and a watched folder under it, and a queue prefix of its own. */
export function tailFixture(): { dataDir: string; watch: string; prefix: string } {
  const root = mkdtempSync(join(tmpdir(), 'denytrace-tail-'));
  return { dataDir: join(root, 'data'), watch: join(root, 'logs'), prefix: `test-${randomBytes(6).toString('hex')}` };
}

/**
 * The collector's tailing alone, as the root module wires it: config, store, queue, metrics and
 * {@link TailModule}. Real Redis (`REDIS_URL` default) with the fixture's queue prefix.
 */
export async function startTailApp(f: { dataDir: string; watch: string; prefix: string }, intervalMs = 50, env: Record<string, string> = {}): Promise<{ app: INestApplicationContext; tail: TailService; store: EventStore; queue: Queue }> {
  const config = loadConfig({
    DENYTRACE_DATA_DIR: f.dataDir,
    DENYTRACE_WATCH: f.watch,
    DENYTRACE_TAIL_INTERVAL_MS: String(intervalMs),
    DENYTRACE_QUEUE_PREFIX: f.prefix,
    DENYTRACE_LOG_LEVEL: 'silent',
    ...env,
  });
  @Module({ imports: [ConfigModule.forRoot(config), StoreModule, QueueModule, MetricsModule, TailModule] })
  class TailTestModule {}
  const app = await NestFactory.createApplicationContext(TailTestModule, { logger: false });
  await app.init();
  return { app, tail: app.get(TailService), store: app.get<EventStore>(EVENT_STORE), queue: app.get<Queue>(getQueueToken(CORRELATE_QUEUE)) };
}
