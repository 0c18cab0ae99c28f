import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { hasRefusalMark } from '@denytrace/schema';
import { openStore } from '../open-store';
import { StoreError } from '../store-error';
import { at, suiteEvent, suiteVerdict, T0 } from '../store.suite';
import { SqliteEventStore } from './sqlite-event.store';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'denytrace-store-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

// The shared contract runs for every backend in ../event-store.spec.ts.

describe('SqliteEventStore (SQLite only)', () => {
  it('creates the data dir and one events.db in WAL mode with a schema version', async () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const store = await openStore({ dataDir });
    await store.close();
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.db'))).toEqual(['events.db']);
    const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    db.close();
  });

  it('keeps events, counters, verdicts and file state across a reopen of the same dir', async () => {
    const dataDir = tempDir();
    const e = suiteEvent({ n: 1, ids: ['amzcf:cf-1'] });
    const v = suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000, ids: ['amzcf:cf-1'] });
    const fileState = { fingerprint: 'fp', path: 'a.log', lines: 2, bytes: 10, format: 'aws-waf', updated_at: at(0) };
    const first = await openStore({ dataDir });
    await first.bulkInsert([e]);
    await first.addCounters([{ minute: T0, dataset: 'aws.waf', layer: 'waf', status: 403, method_class: 'read', country: 'DE', count: 2 }]);
    await first.replaceTraces(at(0), at(60_000), [v]);
    await first.setFileState(fileState);
    await first.close();

    const again = await openStore({ dataDir });
    expect(await again.eventsByCorrelationIds(['amzcf:cf-1'])).toEqual([e]);
    expect(await again.bulkInsert([e])).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(await again.counterTotals(at(0), at(60_000), [])).toEqual([{ count: 2 }]);
    expect(await again.getTrace('amzcf:cf-1')).toEqual(v);
    expect(await again.getFileState('fp')).toEqual(fileState);
    await again.close();
  });

  it('takes 50 000 events in one bulkInsert and finds them by id afterwards', async () => {
    const store = await openStore({ dataDir: tempDir() });
    const events = Array.from({ length: 50_000 }, (_, n) => suiteEvent({ n, offsetMs: n * 10, ids: [`xrid:bulk-${n}`, `amzcf:cf-${n % 1000}`] }));
    expect(await store.bulkInsert(events)).toMatchObject({ inserted: 50_000, duplicates: 0 });
    expect(await store.eventsByCorrelationIds(['xrid:bulk-31337'])).toEqual([events[31337]]);
    // cf-7 is carried by n = 7, 1007, …, 49007: 50 events.
    expect((await store.eventsByCorrelationIds(['amzcf:cf-7'])).map((e) => e.event.id)).toEqual(
      events.filter((_, n) => n % 1000 === 7).map((e) => e.event.id),
    );
    await store.close();
  });

  it('throws a StoreError naming the path when the data dir is a regular file', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'hello');
    const err = await openStore({ dataDir: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('unusable_data_dir');
    expect((err as StoreError).message).toContain(file);
    await expect(openStore({ dataDir: path.join(file, 'below') })).rejects.toBeInstanceOf(StoreError);
  });

  it('throws a StoreError naming events.db when it is not a database, or has a newer schema', async () => {
    const garbage = tempDir();
    fs.writeFileSync(path.join(garbage, 'events.db'), Buffer.alloc(8192, 0x5a));
    const err = await openStore({ dataDir: garbage }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('corrupt');
    expect((err as StoreError).message).toContain(path.join(garbage, 'events.db'));

    const newer = tempDir();
    const db = new Database(path.join(newer, 'events.db'));
    db.pragma('user_version = 99');
    db.close();
    await expect(openStore({ dataDir: newer })).rejects.toMatchObject({ name: 'StoreError', code: 'corrupt' });
  });

  it('keeps only events with a refusal mark under retention "refusals", every event under "all"', async () => {
    const refused = suiteEvent({ n: 1 });
    const passed = suiteEvent({ n: 2, status: 200 });
    passed.event.action = 'allow';
    passed.denytrace.decision = 'pass';
    expect([hasRefusalMark(refused), hasRefusalMark(passed)]).toEqual([true, false]);

    const refusals = SqliteEventStore.open({ dataDir: tempDir() });
    expect(await refusals.bulkInsert([refused, passed])).toEqual({ inserted: 1, duplicates: 0, skipped: 1 });
    expect(await refusals.eventsByCorrelationIds(['xrid:suite-2'])).toEqual([]);
    await refusals.close();

    const all = SqliteEventStore.open({ dataDir: tempDir(), retention: 'all' });
    expect(await all.bulkInsert([refused, passed])).toEqual({ inserted: 2, duplicates: 0, skipped: 0 });
    expect(await all.eventsByCorrelationIds(['xrid:suite-2'])).toEqual([passed]);
    await all.close();
  });

  it('streams in small pages without losing events that share a timestamp across a page boundary', async () => {
    const store = SqliteEventStore.open({ dataDir: tempDir(), pageSize: 2 });
    const events = Array.from({ length: 7 }, (_, n) => suiteEvent({ n, offsetMs: 1000 }));
    await store.bulkInsert(events);
    const got: string[] = [];
    for await (const e of store.eventsInRange(at(1000), at(1001))) got.push(e.event.id);
    expect(got.sort()).toEqual(events.map((e) => e.event.id).sort());
    await store.close();
  });

  it('bounds the quarantined raw text to 8 KiB and keeps a repeated rejection once', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    const row = { source_file: 'waf.log', line: 4, reason: 'line_too_long', detail: 'too long', raw: 'x'.repeat(100_000) };
    await store.quarantine([row]);
    await store.quarantine([row]);
    await store.close();
    const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
    expect(db.prepare('SELECT length(raw) AS n FROM quarantine').all()).toEqual([{ n: 8192 }]);
    db.close();
  });

  it('lets two stores on one dir write at once (WAL, busy timeout) and read each other', async () => {
    const dataDir = tempDir();
    const a = await openStore({ dataDir });
    const b = await openStore({ dataDir });
    await a.bulkInsert([suiteEvent({ n: 1 })]);
    await b.bulkInsert([suiteEvent({ n: 2 })]);
    expect(await a.eventsByCorrelationIds(['xrid:suite-2'])).toHaveLength(1);
    expect(await b.eventsByCorrelationIds(['xrid:suite-1'])).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('migrates a v1 file: keeps its events and verdicts, adds the windows and detection tables, sets version 3', async () => {
    const dataDir = tempDir();
    const e = suiteEvent({ n: 1, ids: ['amzcf:cf-1'] });
    const v = suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000, ids: ['amzcf:cf-1'] });
    const first = await openStore({ dataDir });
    await first.bulkInsert([e]);
    await first.replaceTraces(at(0), at(60_000), [v]);
    await first.close();
    // A v1 file is this schema without `windows` (v2) and the detection tables (v3) (schema.sql.ts, SCHEMA_HISTORY).
    const raw = new Database(path.join(dataDir, 'events.db'));
    for (const t of ['windows', 'dim_counters', 'deploys', 'spikes', 'webhooks', 'notifications', 'deliveries']) raw.exec(`DROP TABLE ${t}`);
    raw.pragma('user_version = 1');
    raw.close();

    const migrated = await openStore({ dataDir });
    expect(await migrated.eventsByCorrelationIds(['amzcf:cf-1'])).toEqual([e]);
    expect(await migrated.getTrace('tr-1')).toEqual(v);
    expect(await migrated.touchWindows([T0])).toEqual([{ window: T0, version: 1, decided_version: -1 }]);
    expect(await migrated.listSpikes({})).toEqual({ items: [], next_cursor: null });
    expect(await migrated.dimensionCounts(0, T0 * 2)).toEqual([]);
    await migrated.close();
    const check = new Database(path.join(dataDir, 'events.db'), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    check.close();
  });

  it('compare-and-set holds across two connections to one file (two worker processes)', async () => {
    const dataDir = tempDir();
    const a = await openStore({ dataDir });
    const b = await openStore({ dataDir });
    const W = 15 * 60_000;
    const [v1] = await a.touchWindows([T0]);
    const verdicts = [suiteVerdict({ traceId: 'tr-1', firstSeenMs: 1000 }), suiteVerdict({ traceId: 'tr-2', firstSeenMs: 2000 })];
    expect(await Promise.all([a.replaceTracesIfCurrent(T0, W, v1.version, verdicts), b.replaceTracesIfCurrent(T0, W, v1.version, verdicts)])).toEqual([true, true]);
    expect((await a.listTraces({})).items).toEqual([verdicts[1], verdicts[0]]);
    const [v2] = await b.touchWindows([T0]);
    expect(await a.replaceTracesIfCurrent(T0, W, v1.version, [])).toBe(false);
    expect((await b.listTraces({})).items).toHaveLength(2);
    expect(await a.replaceTracesIfCurrent(T0, W, v2.version, [])).toBe(true);
    expect((await b.listTraces({})).items).toEqual([]);
    expect(await b.windowVersions([T0])).toEqual([{ window: T0, version: 2, decided_version: 2 }]);
    await a.close();
    await b.close();
  });

  it('rejects bad arguments with StoreError("invalid_argument")', async () => {
    const store = await openStore({ dataDir: tempDir() });
    const invalid = { name: 'StoreError', code: 'invalid_argument' };
    await expect(store.listTraces({ cursor: 'not a cursor' })).rejects.toMatchObject(invalid);
    await expect(store.listTraces({ cursor: Buffer.from('abc').toString('base64url') })).rejects.toMatchObject(invalid);
    await expect(store.counterTotals(at(0), at(1), ['minute; DROP TABLE events' as 'layer'])).rejects.toMatchObject(invalid);
    await expect(store.coverage('yesterday', at(0))).rejects.toMatchObject(invalid);
    await expect(store.bulkInsert([{ ...suiteEvent({ n: 1 }), '@timestamp': 'not a time' }])).rejects.toMatchObject(invalid);
    await expect(store.writeBatch({ events: [{ ...suiteEvent({ n: 1 }), '@timestamp': 'not a time' }], counters: [], quarantine: [] })).rejects.toMatchObject(invalid);
    await expect(store.touchWindows([1.5])).rejects.toMatchObject(invalid);
    await expect(store.verdictCounts({ since: at(0), until: at(1), groupBy: 'layer', intervalMs: 0 })).rejects.toMatchObject(invalid);
    await expect(store.verdictCounts({ since: at(0), until: at(1), groupBy: 'doc; DROP TABLE traces' as 'layer', intervalMs: 60_000 })).rejects.toMatchObject(invalid);
    await store.close();
  });
});
