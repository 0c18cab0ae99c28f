import { appendFileSync, mkdirSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { EventStore } from '@denytrace/store';
import type { TailService } from './tail.service';
import { countsByStatus, expectedByStatus, nginxLine, nginxLines, startTailApp, statusOf, storedEvents, tailFixture } from './tail.testing';

const SHARED = resolve(__dirname, '../../../../../shared');

/** Paths of the 403 lines among `from..to` (what retention `refusals` stores), sorted. */
function refusedPaths(...ranges: Array<[number, number]>): string[] {
  const out: string[] = [];
  for (const [from, to] of ranges) for (let i = from; i <= to; i++) if (statusOf(i) === 403) out.push(`/item/${i}`);
  return out.sort();
}

describe('TailService (folder tailing)', () => {
  let f: ReturnType<typeof tailFixture>;
  let app: INestApplicationContext | undefined;
  let tail: TailService;
  let store: EventStore;
  let queue: Queue;
  const log = () => join(f.watch, 'web', 'access.log');

  beforeEach(async () => {
    f = tailFixture();
    mkdirSync(dirname(log()), { recursive: true });
    ({ app, tail, store, queue } = await startTailApp(f, 60_000));
  });

  afterEach(async () => {
    await queue.obliterate({ force: true });
    await app?.close();
    app = undefined;
    rmSync(dirname(f.dataDir), { recursive: true, force: true });
  });

  it('picks up appended lines, writes counters and refusals once, and enqueues correlate jobs', async () => {
    writeFileSync(log(), nginxLines(1, 30));
    await tail.pollOnce();
    appendFileSync(log(), nginxLines(31, 80));
    await tail.pollOnce();
    await tail.pollOnce(); // nothing new
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 80]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 80]));
    const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
    expect(counts.waiting + counts.delayed + counts.prioritized).toBeGreaterThan(0);
  });

  it('leaves a trailing partial line until its newline arrives, and counts it once', async () => {
    const line41 = nginxLine(41);
    writeFileSync(log(), nginxLines(1, 40) + line41.slice(0, 25));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 40]));
    appendFileSync(log(), line41.slice(25));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 40])); // still no newline
    appendFileSync(log(), '\n');
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 41]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 41]));
  });

  it('follows rename rotation: finishes the old file from its offset and reads the new one from 0', async () => {
    writeFileSync(log(), nginxLines(1, 50));
    await tail.pollOnce();
    appendFileSync(log(), nginxLines(51, 60)); // written just before rotation, not yet read
    renameSync(log(), `${log()}.1`);
    writeFileSync(log(), nginxLines(61, 90));
    await tail.pollOnce();
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 90]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 90]));
  });

  it('starts again at 0 after copytruncate (the file shrank below its offset)', async () => {
    writeFileSync(log(), nginxLines(1, 60));
    await tail.pollOnce();
    writeFileSync(`${log()}.1`, readFileSync(log())); // the copy: same content, same state
    truncateSync(log(), 0);
    appendFileSync(log(), nginxLines(61, 70));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 70]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 70]));
  });

  it('restarts at 0 when a small file is truncated and rewritten shorter', async () => {
    writeFileSync(log(), nginxLines(1, 4)); // under 1 KiB
    await tail.pollOnce();
    truncateSync(log(), 0);
    appendFileSync(log(), nginxLines(5, 6));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 6]));
  });

  it('reads a new .gz of already-read content without counting anything twice', async () => {
    writeFileSync(log(), nginxLines(1, 50));
    await tail.pollOnce();
    // logrotate without delaycompress: rename, the writer adds a few lines, compress, remove
    renameSync(log(), `${log()}.1`);
    appendFileSync(`${log()}.1`, nginxLines(51, 55));
    writeFileSync(`${log()}.1.gz`, gzipSync(readFileSync(`${log()}.1`)));
    unlinkSync(`${log()}.1`);
    writeFileSync(log(), nginxLines(56, 58));
    await tail.pollOnce();
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 58]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 58]));
  });

  it('reads a .gz whose plain file was read whole without decompressing it twice, also for a short file', async () => {
    writeFileSync(log(), nginxLines(1, 40));
    const small = join(f.watch, 'small.log');
    writeFileSync(small, nginxLines(100, 103)); // under 1 KiB: identified by its content prefix
    await tail.pollOnce();
    writeFileSync(`${log()}.1.gz`, gzipSync(readFileSync(log())));
    writeFileSync(`${small}.1.gz`, gzipSync(readFileSync(small)));
    unlinkSync(log());
    unlinkSync(small);
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 40], [100, 103]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 40], [100, 103]));
  });

  it('reads a new .gz never seen as a plain file whole, once', async () => {
    writeFileSync(join(f.watch, 'old.log.gz'), gzipSync(nginxLines(200, 260)));
    await tail.pollOnce();
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([200, 260]));
  });

  it('resumes at the saved offset after a restart (a new TailService on the same store)', async () => {
    writeFileSync(log(), nginxLines(1, 45));
    await tail.pollOnce();
    await queue.obliterate({ force: true });
    await app!.close();
    appendFileSync(log(), nginxLines(46, 70));
    ({ app, tail, store, queue } = await startTailApp(f, 60_000));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 70]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 70]));
  });

  it('resumes a file renamed while the collector was down, by its content', async () => {
    writeFileSync(log(), nginxLines(1, 45));
    await tail.pollOnce();
    await queue.obliterate({ force: true });
    await app!.close();
    appendFileSync(log(), nginxLines(46, 50));
    renameSync(log(), `${log()}.1`);
    writeFileSync(log(), nginxLines(51, 55));
    ({ app, tail, store, queue } = await startTailApp(f, 60_000));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 55]));
    expect(await storedEvents(store)).toEqual(refusedPaths([1, 55]));
  });

  it('gives a resumed CloudFront file its #Fields header again after a restart (case C01)', async () => {
    const lines = readFileSync(join(SHARED, 'cases', 'C01.log'), 'utf8').split('\n');
    const expected = JSON.parse(readFileSync(join(SHARED, 'cases', 'C01.expected.json'), 'utf8')) as { records: Array<{ line: number; status: number; extra_fields: unknown }> };
    const cf = join(f.watch, 'cf.log');
    writeFileSync(cf, `${lines.slice(0, 3).join('\n')}\n`); // two header lines and the first record
    await tail.pollOnce();
    await queue.obliterate({ force: true });
    await app!.close();
    appendFileSync(cf, `${lines[3]}\n`);
    ({ app, tail, store, queue } = await startTailApp(f, 60_000, { DENYTRACE_RETENTION: 'all' }));
    await tail.pollOnce();
    const stored: Array<[number | undefined, unknown]> = [];
    for await (const e of store.eventsInRange('2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z')) stored.push([e.denytrace.line, e.denytrace.extra_fields]);
    // the column after the 33 documented ones is mapped by the header, which the resumed parser saw again
    expect(stored.filter(([line]) => line === 4)).toEqual(expected.records.filter((r) => r.line === 4).map((r) => [r.line, r.extra_fields]));
    const byStatus: Record<number, number> = {};
    for (const r of expected.records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    expect(await countsByStatus(store)).toEqual(byStatus);
    expect((await store.listQuarantine({})).items).toEqual([]);
  });

  it('quarantines a bad line with its line number and takes the rest', async () => {
    const bad = 'this is not an nginx access line';
    writeFileSync(log(), nginxLines(1, 25) + `${bad}\n` + nginxLines(26, 40));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 40]));
    const q = await store.listQuarantine({});
    expect(q.items.map((r) => ({ file: r.source_file, line: r.line, raw: r.raw }))).toEqual([{ file: log(), line: 26, raw: bad }]);
  });

  it('rejects an over-long line as line_too_long and keeps reading', async () => {
    const long = `${'x'.repeat(200_000)}`;
    writeFileSync(log(), nginxLines(1, 10) + `${long}\n` + nginxLines(11, 20));
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 20]));
    const q = await store.listQuarantine({});
    expect(q.items.map((r) => [r.line, r.reason])).toEqual([[11, 'line_too_long']]);
  });

  it('skips hidden files and files of no known format without quarantining them', async () => {
    writeFileSync(join(f.watch, '.hidden.log'), nginxLines(1, 30));
    writeFileSync(join(f.watch, 'README.txt'), Array.from({ length: 25 }, (_, i) => `note ${i}`).join('\n') + '\n');
    await tail.pollOnce();
    expect(await countsByStatus(store)).toEqual({});
    expect((await store.listQuarantine({})).items).toEqual([]);
  });
});

describe('TailService timer', () => {
  it('polls on its own from bootstrap and stops at shutdown', async () => {
    const f = tailFixture();
    mkdirSync(f.watch, { recursive: true });
    writeFileSync(join(f.watch, 'a.log'), nginxLines(1, 20));
    const { app, store, queue } = await startTailApp(f, 50);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && Object.keys(await countsByStatus(store)).length === 0) await new Promise((r) => setTimeout(r, 25));
    expect(await countsByStatus(store)).toEqual(expectedByStatus([1, 20]));
    await queue.obliterate({ force: true });
    await app.close();
    rmSync(dirname(f.dataDir), { recursive: true, force: true });
  });
});
