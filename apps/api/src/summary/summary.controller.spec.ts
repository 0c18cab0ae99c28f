import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedS1, startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';
import type { TruthRequest } from '../testing/s1-slice';

const S1 = resolve(__dirname, '../../../../../shared/scenarios/s1');
const inFirst = (r: TruthRequest) => r.t >= '2024-03-12T12:00:00Z' && r.t < '2024-03-12T12:40:00Z';
const inSecond = (r: TruthRequest) => r.t >= '2024-03-12T13:20:00Z' && r.t < '2024-03-12T13:25:00Z';

function countBy(rows: readonly TruthRequest[], key: (r: TruthRequest) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

/** Dashboard counts over HTTP, checked against scenario s1's ground truth. */
describe('GET /v1/summary', () => {
  let dir: string;
  let api: ApiTestApp;
  let truth: TruthRequest[];
  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-summary-'));
    truth = await seedS1(S1, dir, (r) => inFirst(r) || inSecond(r));
    api = await startApiTestApp({ dataDir: dir });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts 403s by emitting layer in hourly buckets, every bucket listed', async () => {
    const { status, body } = await get('/v1/summary?since=2024-03-12T11:00:00Z&until=2024-03-12T14:00:00Z&groupBy=layer&interval=1h');
    expect(status).toBe(200);
    expect(body).toMatchObject({ since: '2024-03-12T11:00:00.000Z', until: '2024-03-12T14:00:00.000Z', groupBy: 'layer', status: 403, interval: '1h', interval_ms: 3_600_000 });
    expect(body.buckets.map(({ bucket, counts }: { bucket: string; counts: unknown }) => ({ bucket, counts }))).toEqual([
      { bucket: '2024-03-12T11:00:00.000Z', counts: {} },
      { bucket: '2024-03-12T12:00:00.000Z', counts: countBy(truth.filter(inFirst), (r) => r.emitting_layer) },
      { bucket: '2024-03-12T13:00:00.000Z', counts: countBy(truth.filter(inSecond), (r) => r.emitting_layer) },
    ]);
    const totals = countBy(truth, (r) => r.emitting_layer);
    expect(body.totals).toEqual(totals);
    expect(body.total).toBe(truth.length);
    expect(body.keys).toEqual(Object.keys(totals).sort((a, b) => totals[b] - totals[a] || a.localeCompare(b)));
  });

  it('counts by decisive rule and by client country', async () => {
    const range = 'since=2024-03-12T11:00:00Z&until=2024-03-12T14:00:00Z';
    expect((await get(`/v1/summary?${range}&groupBy=rule`)).body.totals).toEqual(countBy(truth, (r) => r.rule_id));
    expect((await get(`/v1/summary?${range}&groupBy=country`)).body.totals).toEqual(countBy(truth, (r) => r.country));
  });

  it('keeps only the verdicts matching a filter on a rule, a country or a route (a dashboard click)', async () => {
    const range = 'since=2024-03-12T11:00:00Z&until=2024-03-12T14:00:00Z';
    const geo = await get(`/v1/summary?${range}&rule=geo-blocklist`);
    expect(geo.status).toBe(200);
    expect(geo.body.filter).toEqual({ rule: 'geo-blocklist' });
    expect(geo.body.totals).toEqual(countBy(truth.filter((r) => r.rule_id === 'geo-blocklist'), (r) => r.emitting_layer));
    expect(geo.body.total).toBeGreaterThan(0);
    const br = await get(`/v1/summary?${range}&country=BR&groupBy=rule`);
    expect(br.body.totals).toEqual(countBy(truth.filter((r) => r.country === 'BR'), (r) => r.rule_id));
    const none = await get(`/v1/summary?${range}&country=ZZ`);
    expect(none.body.total).toBe(0);
  });

  it('gives each bucket the requests its widest layer saw (CloudFront here: every request reaches it), the deny ratio\'s denominator', async () => {
    // The slice's CloudFront lines by hour, read from the TSV's date and time columns.
    const perHour: Record<string, number> = {};
    for (const line of readFileSync(join(dir, 'logs', 'cloudfront.log'), 'utf8').split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [date, time] = line.split('\t');
      const hour = `${date}T${time.slice(0, 2)}:00:00.000Z`;
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    const { body } = await get('/v1/summary?since=2024-03-12T11:00:00Z&until=2024-03-12T14:00:00Z&interval=1h');
    expect(body.buckets.map((b: { bucket: string; requests: number }) => [b.bucket, b.requests])).toEqual(body.buckets.map((b: { bucket: string }) => [b.bucket, perHour[b.bucket] ?? 0]));
    expect(body.requests).toBe(Object.values(perHour).reduce((a, b) => a + b, 0));
    expect(body.requests).toBeGreaterThanOrEqual(body.total);
  });

  it('picks an interval giving at most 500 buckets when none is given', async () => {
    const threeHours = await get('/v1/summary?since=2024-03-12T12:00:00Z&until=2024-03-12T15:00:00Z');
    expect(threeHours.body).toMatchObject({ interval: '1m', interval_ms: 60_000, groupBy: 'layer' });
    expect(threeHours.body.buckets).toHaveLength(180);
    expect(threeHours.body.total).toBe(truth.length);
    const day = await get('/v1/summary?since=2024-03-12T00:00:00Z&until=2024-03-13T00:00:00Z');
    expect(day.body.interval).toBe('5m');
    expect(day.body.buckets).toHaveLength(288);
  });

  it('counts another status when asked (none of these verdicts is a 429)', async () => {
    const { body } = await get('/v1/summary?since=2024-03-12T11:00:00Z&until=2024-03-12T14:00:00Z&status=429');
    expect(body.total).toBe(0);
  });

  it('400 validation_failed listing every bad field at once', async () => {
    const { status, body } = await get('/v1/summary?since=noon&groupBy=colour&interval=5x&status=42');
    expect(status).toBe(400);
    expect(body.code).toBe('validation_failed');
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['groupBy', 'interval', 'since', 'status']);
    const badLayer = await get('/v1/summary?layer=edge&rule=');
    expect(badLayer.status).toBe(400);
    expect(badLayer.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['layer', 'rule']);
  });

  it('400 when the interval gives more than 500 buckets or the range is inverted', async () => {
    const tooMany = await get('/v1/summary?since=2024-03-12T00:00:00Z&until=2024-03-13T00:00:00Z&interval=1m');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ field: 'interval', problems: [expect.stringMatching(/1440 buckets/)] }]);
    const inverted = await get('/v1/summary?since=2024-03-12T14:00:00Z&until=2024-03-12T13:00:00Z');
    expect(inverted.status).toBe(400);
  });
});
