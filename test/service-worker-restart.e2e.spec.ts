import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DenytraceConfig } from '@denytrace/config';
import type { Verdict } from '@denytrace/schema';
import { openStore, type EventStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { ServeModule } from '../apps/cli/src/serve/serve.module';
import { configureServeApp } from '../apps/cli/src/serve/configure-app';
import { allStoredVerdicts, S1 } from './s1-helpers';
import { drain, fileLines, obliterate, push, testConfig } from './service-helpers';

/**
 * Worker processes, for real: `node dist/apps/worker/src/main.js`. One is killed with SIGKILL in
 * the middle of the run and a new one started; later a second one runs beside it. At the end the
 * stored events are exactly the unique records pushed (nothing lost, nothing twice) and the verdicts
 * are exactly those a single one-shot decision over the same store gives.
 */
const ROOT = resolve(__dirname, '..');
const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'worker', 'src', 'main.js');

function startWorker(config: DenytraceConfig): ChildProcess {
  return spawn(process.execPath, [WORKER_MAIN], {
    cwd: ROOT,
    env: { ...process.env, DENYTRACE_DATA_DIR: config.dataDir, DENYTRACE_QUEUE_PREFIX: config.queuePrefix, REDIS_URL: config.redisUrl, DENYTRACE_WORKER_CONCURRENCY: '2', DENYTRACE_LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
}

/** True once the worker has written at least one verdict (read through the API). */
async function someDecided(base: string): Promise<boolean> {
  const page = (await (await fetch(`${base}/v1/traces?limit=1`)).json()) as { items: unknown[] };
  return page.items.length > 0;
}

/** Every verdict and the number of stored events of a store. */
async function contents(store: EventStore): Promise<{ events: number; verdicts: Verdict[] }> {
  const verdicts = await allStoredVerdicts(store);
  let events = 0;
  for await (const _ of store.eventsInRange('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')) events++;
  return { events, verdicts };
}

const key = (v: Verdict) => `${[...v.correlation_ids].sort().join(' ')} → ${v.emitting_layer}/${v.emitter?.component}/${v.decisive_rule?.id}/${v.status}`;

describe('worker processes: killed mid-run, restarted, and two at once', () => {
  let config: DenytraceConfig;
  let app: INestApplication;
  const workers: ChildProcess[] = [];

  beforeAll(() => {
    // The worker runs from the build; `npm ci` builds it (prepare), rebuild to test these sources.
    execSync('npm run build --silent', { cwd: ROOT, stdio: 'ignore' });
    expect(existsSync(WORKER_MAIN)).toBe(true);
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await app?.close();
    if (config) await obliterate(config);
  });

  it('loses nothing, stores nothing twice, and decides what one decision gives', async () => {
    config = testConfig();
    app = await NestFactory.create(ServeModule.forRoot(config, { worker: false }), { logger: ['error'] });
    configureServeApp(app);
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    // The first 12 000 lines of each layer: enough windows and jobs for a kill to land mid-run.
    const files = ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'];
    const bodies = files.flatMap((f) => {
      const lines = fileLines(join(S1, f)).slice(0, 12_000);
      return [lines.slice(0, 6000), lines.slice(6000)];
    });

    workers.push(startWorker(config));
    let accepted = 0;
    for (const [i, b] of bodies.entries()) {
      accepted += (await push(base, b)).accepted;
      if (i === 5) {
        // Kill the worker as soon as it has done some work, while more is waiting.
        const t0 = Date.now();
        while (!(await someDecided(base)) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
        workers[0].kill('SIGKILL');
        workers.push(startWorker(config));
      }
      if (i === 8) workers.push(startWorker(config)); // a second worker beside it
    }
    await drain(config, 180_000);

    const store = await openStore({ dataDir: config.dataDir });
    try {
      // Nothing twice (event ids are the table's key) and nothing lost: the same count of stored
      // events as a fresh ingest of the same lines, and the same verdicts as one decision over them.
      const { events, verdicts: pushed } = await contents(store);
      expect(accepted).toBe(bodies.reduce((n, b) => n + b.length, 0) - 2); // CloudFront's two header lines are not records
      const expected = await expectedFromOneShot(config, bodies);
      expect(events).toBe(expected.events);
      expect(pushed.map(key).sort()).toEqual(expected.verdicts.map(key).sort());
    } finally {
      await store.close();
    }
  });
});

/** The same lines ingested in one go into a fresh store and decided by one `redecideAll`. */
async function expectedFromOneShot(config: DenytraceConfig, bodies: string[][]): Promise<{ events: number; verdicts: Verdict[] }> {
  const other = testConfig();
  const app = await NestFactory.create(ServeModule.forRoot(other, { worker: false }), { logger: ['error'] });
  configureServeApp(app);
  await app.listen(0, '127.0.0.1');
  try {
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    for (const b of bodies) await push(base, b);
  } finally {
    await app.close();
    await obliterate(other);
  }
  const store = await openStore({ dataDir: other.dataDir });
  try {
    await redecideAll(store);
    expect(config.dataDir).not.toBe(other.dataDir);
    return await contents(store);
  } finally {
    await store.close();
  }
}
