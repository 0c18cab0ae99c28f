import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint, ingestPaths } from '@denytrace/ingest';
import { NetworkTable } from '@denytrace/network';
import { openStore, type EventStore } from '@denytrace/store';
import { redecideAll } from '@denytrace/traces';
import { allStoredVerdicts, S1, S1_LOGS } from './s1-helpers';

/**
 * `denytrace ingest` reads files in worker threads, which run the compiled build: the same files
 * through the threads and through the plain sequential path must leave the same store behind —
 * events, counters, file states and, once decided, verdicts.
 */
const ROOT = resolve(__dirname, '..');

async function snapshot(store: EventStore): Promise<{ events: string[]; counters: unknown; verdicts: string[] }> {
  const events: string[] = [];
  for await (const e of store.eventsInRange('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')) events.push(e.event.id);
  const verdicts = await allStoredVerdicts(store);
  const counters = await store.counterTotals('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z', ['dataset', 'layer', 'status', 'method_class', 'country']);
  return {
    events: events.sort(),
    counters: [...counters].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    verdicts: verdicts.map((v) => `${v.correlation_ids.join(' ')} ${v.emitting_layer} ${v.decisive_rule?.id} ${v.client.country}`).sort(),
  };
}

describe('ingest in worker threads', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('leaves exactly the store the sequential path leaves', async () => {
    execSync('npm run build --silent', { cwd: ROOT, stdio: 'ignore' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const built = require(join(ROOT, 'dist', 'libs', 'ingest', 'src', 'parallel-ingest.js')) as typeof import('@denytrace/ingest');
    const files = S1_LOGS.map((f) => join(S1, f));
    const csv = join(S1, 'geoip.csv');
    const network = NetworkTable.fromCsv(readFileSync(csv, 'utf8'));

    const [a, b] = [0, 1].map(() => {
      const d = mkdtempSync(join(tmpdir(), 'denytrace-par-'));
      dirs.push(d);
      return d;
    });
    const threaded = await openStore({ dataDir: a });
    const results = await built.ingestPathsParallel(files, { dataDir: a, retention: 'refusals', networkCsv: csv, deps: { store: threaded, network } }, { threads: 2 });
    expect(results.map((r) => r.file)).toEqual(files);
    const sequential = await openStore({ dataDir: b });
    await ingestPaths(files, { store: sequential, network });
    for (const s of [threaded, sequential]) await redecideAll(s, { network: (ip) => network.lookup(ip) });
    const [x, y] = [await snapshot(threaded), await snapshot(sequential)];
    expect(x.events.length).toBeGreaterThan(5000);
    expect(x).toEqual(y);
    for (const f of files) expect(await threaded.getFileState((await fingerprint(f)))).toBeDefined();
    await threaded.close();
    await sequential.close();
  });
});
