import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { loadConfig, type DenytraceConfig } from '@denytrace/config';
import { ingestPaths } from '@denytrace/ingest';
import { NetworkTable } from '@denytrace/network';
import { CORRELATE_QUEUE, DetectProducer } from '@denytrace/queue';
import { openStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { ApiModule } from '../api.module';
import { HTTP_APP_OPTIONS } from '../http-app-options';
import { setupOpenApi } from '../openapi';
import { writeS1Slice, type TruthRequest } from './s1-slice';

/** Test keys, one per role (DENYTRACE_API_KEYS needs ≥ 16 characters). */
export const TEST_KEYS = { reader: 'reader-key-0123456789', ingester: 'ingester-key-0123456789', admin: 'admin-key-0123456789' } as const;

/** A running API for tests: base URL, the app, and `close()` that removes its Redis keys and stops it. */
export interface ApiTestApp {
  app: INestApplication;
  url: string;
  config: DenytraceConfig;
  close(): Promise<void>;
}

/**
 * Test support: ingests the lines of scenario s1 carrying the ids of the truth requests `pick` accepts
 * into a SQLite store in `dataDir` (with the scenario's network table), decides the verdicts, closes
 * the store and returns the picked truth requests.
 */
export async function seedS1(scenarioDir: string, dataDir: string, pick: (r: TruthRequest) => boolean): Promise<TruthRequest[]> {
  const truth = writeS1Slice(scenarioDir, join(dataDir, 'logs'), pick);
  const store = await openStore({ dataDir });
  try {
    const network = NetworkTable.fromCsv(readFileSync(join(scenarioDir, 'geoip.csv'), 'utf8'));
    const results = await ingestPaths([join(dataDir, 'logs')], { store, network });
    const failed = results.filter((r) => 'error' in r);
    if (failed.length) throw new Error(`seed ingest failed: ${JSON.stringify(failed)}`);
    await redecideAll(store, { network: (ip) => network.lookup(ip) });
  } finally {
    await store.close();
  }
  return truth;
}

/** A stand-in for the detect queue's producer that records each `runSoon` reason. */
export class FakeDetectProducer {
  readonly reasons: string[] = [];
  async runSoon(reason: string): Promise<boolean> {
    this.reasons.push(reason);
    return true;
  }
}

/**
 * Test support: the API alone (`ApiModule.forRoot`) on 127.0.0.1, port 0, over the store in `dataDir`,
 * with its own queue prefix in the real Redis (or `unreachableRedis`, to test Redis being down),
 * keys for every role unless `apiKeys` says otherwise, more variables in `env`, and `detect` in place
 * of the real `DetectProducer` when given. `close()` removes the prefix's keys.
 */
export async function startApiTestApp(o: { dataDir: string; apiKeys?: string; unreachableRedis?: string; env?: Record<string, string>; detect?: FakeDetectProducer }): Promise<ApiTestApp> {
  const config = loadConfig({
    HOME: o.dataDir,
    DENYTRACE_DATA_DIR: o.dataDir,
    DENYTRACE_QUEUE_PREFIX: `test-api-${randomBytes(4).toString('hex')}`,
    DENYTRACE_API_KEYS: o.apiKeys ?? Object.entries(TEST_KEYS).map(([role, key]) => `${role}:${key}`).join(','),
    REDIS_URL: o.unreachableRedis ?? 'redis://127.0.0.1:6379',
    DENYTRACE_LOG_LEVEL: 'silent',
    ...o.env,
  });
  const builder = Test.createTestingModule({ imports: [ApiModule.forRoot(config)] });
  if (o.detect) builder.overrideProvider(DetectProducer).useValue(o.detect);
  const ref = await builder.compile();
  const app = ref.createNestApplication({ ...HTTP_APP_OPTIONS, logger: false });
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    config,
    async close() {
      const queue = app.get<Queue>(getQueueToken(CORRELATE_QUEUE));
      if (!o.unreachableRedis) await queue.obliterate({ force: true });
      await app.close();
      // ioredis gives a socket that never connected 2 s to close before destroying it (a timer not
      // unref'd in AbstractConnector.disconnect); wait it out so Jest exits cleanly.
      if (o.unreachableRedis) await new Promise((r) => setTimeout(r, 2100));
    },
  };
}
