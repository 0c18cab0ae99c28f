import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedS1, startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';
import type { TruthRequest } from '../testing/s1-slice';

const S1 = resolve(__dirname, '../../../../../shared/scenarios/s1');
const inFirst = (r: TruthRequest) => r.t >= '2024-03-12T12:00:00Z' && r.t < '2024-03-12T12:40:00Z';
const inSecond = (r: TruthRequest) => r.t >= '2024-03-12T13:20:00Z' && r.t < '2024-03-12T13:25:00Z';

/** Verdicts over HTTP, checked against scenario s1's ground truth (`truth/requests.jsonl`). */
describe('GET /v1/traces', () => {
  let dir: string;
  let api: ApiTestApp;
  let truth: TruthRequest[];
  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const first = (component: string, rule?: string) => {
    const r = truth.find((t) => t.emitter_component === component && (rule === undefined || t.rule_id === rule));
    if (!r) throw new Error(`no ${component} ${rule ?? ''} request in the slice`);
    return r;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-traces-'));
    truth = await seedS1(S1, dir, (r) => inFirst(r) || inSecond(r));
    api = await startApiTestApp({ dataDir: dir });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe(':id — any id kind, with or without its prefix', () => {
    const expectTruth = (body: { emitting_layer: string; decisive_rule: { id: string } | null; emitter: { component: string } | null; status: number }, r: TruthRequest) => {
      expect(body.emitting_layer).toBe(r.emitting_layer);
      expect(body.decisive_rule?.id).toBe(r.rule_id);
      expect(body.emitter?.component).toBe(r.emitter_component);
      expect(body.status).toBe(r.status);
    };

    it('a web ACL block by its bare CloudFront request id', async () => {
      const r = first('aws-waf');
      const { status, body } = await get(`/v1/traces/${encodeURIComponent(r.ids.cloudfront_request_id)}`);
      expect(status).toBe(200);
      expectTruth(body, r);
    });

    it('a geo restriction by its prefixed CloudFront id', async () => {
      const r = first('cloudfront', 'geo-restriction');
      const { status, body } = await get(`/v1/traces/${encodeURIComponent(`amzcf:${r.ids.cloudfront_request_id}`)}`);
      expect(status).toBe(200);
      expectTruth(body, r);
    });

    it('an ALB fixed response by its X-Amzn-Trace-Id Root, bare and prefixed', async () => {
      const r = first('alb', '5');
      for (const id of [r.ids.alb_trace_root, `xray:${r.ids.alb_trace_root}`]) {
        const { status, body } = await get(`/v1/traces/${encodeURIComponent(id)}`);
        expect(status).toBe(200);
        expectTruth(body, r);
      }
    });

    it("an app refusal by nginx's $request_id (X-Request-ID), also pasted in upper case", async () => {
      const r = first('app', 'rbac:role/billing-writer lacks invoice.create');
      for (const id of [r.ids.app_request_id, r.ids.app_request_id.toUpperCase()]) {
        const { status, body } = await get(`/v1/traces/${id}`);
        expect(status).toBe(200);
        expectTruth(body, r);
      }
    });

    it('an nginx allow-list refusal, with the verdict shape of `traces --json`', async () => {
      const r = first('nginx');
      const { status, body } = await get(`/v1/traces/${r.ids.nginx_request_id}`);
      expect(status).toBe(200);
      expectTruth(body, r);
      expect(body.correlation_ids).toEqual(expect.arrayContaining([`amzcf:${r.ids.cloudfront_request_id}`]));
      expect(Object.keys(body)).toEqual(expect.arrayContaining(['trace_id', 'confidence', 'confidence_label', 'missing_layers', 'join', 'explanation', 'request', 'client', 'first_seen', 'last_seen', 'provisional', 'events']));
    });

    it('unknown id: 404 not_found in the error shape', async () => {
      const { status, body } = await get('/v1/traces/amzcf:no-such-request-id');
      expect(status).toBe(404);
      expect(body).toMatchObject({ error: 'Not Found', code: 'not_found' });
      expect(typeof body.requestId).toBe('string');
    });

    it('an ALB connection id: 404 saying it never identifies a request', async () => {
      const r = first('alb', '5');
      const { status, body } = await get(`/v1/traces/${r.ids.alb_conn_trace_id}`);
      expect(status).toBe(404);
      expect(body.message).toMatch(/connection id/);
    });
  });

  describe('list', () => {
    const all = async (query: string) => {
      const items: Array<{ trace_id: string; emitting_layer: string; decisive_rule: { id: string } | null; first_seen: string }> = [];
      let cursor: string | null = null;
      do {
        const { status, body } = await get(`/v1/traces?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(status).toBe(200);
        expect(body.items.length).toBeLessThanOrEqual(100);
        items.push(...body.items);
        cursor = body.next_cursor;
      } while (cursor);
      return items;
    };

    it('pages through every verdict once, newest first', async () => {
      const items = await all('status=403');
      expect(items).toHaveLength(truth.length);
      expect(new Set(items.map((v) => v.trace_id)).size).toBe(truth.length);
      const times = items.map((v) => v.first_seen);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it('filters by emitting layer and decisive rule as the truth counts them', async () => {
      for (const layer of ['waf', 'cdn', 'gateway', 'app']) {
        expect((await all(`layer=${layer}`)).length).toBe(truth.filter((r) => r.emitting_layer === layer).length);
      }
      expect((await all('rule=geo-blocklist')).length).toBe(truth.filter((r) => r.rule_id === 'geo-blocklist').length);
      expect((await all('status=404')).length).toBe(0);
    });

    it('filters by first_seen range (zone-less times are UTC)', async () => {
      expect((await all('since=2024-03-12T13:00:00Z&until=2024-03-12T14:00:00Z')).length).toBe(truth.filter(inSecond).length);
      const tz = process.env.TZ;
      process.env.TZ = 'Asia/Tokyo'; // a server far from UTC must still read them as UTC
      try {
        expect((await all('since=2024-03-12T13:00:00&until=2024-03-12T14:00:00')).length).toBe(truth.filter(inSecond).length);
      } finally {
        if (tz === undefined) delete process.env.TZ;
        else process.env.TZ = tz;
      }
    });

    it('honours limit and says there is no next page at the end', async () => {
      const { body } = await get(`/v1/traces?limit=${truth.length}`);
      expect(body.items).toHaveLength(truth.length);
      const { body: one } = await get('/v1/traces?limit=1');
      expect(one.items).toHaveLength(1);
      expect(typeof one.next_cursor).toBe('string');
    });

    it('400 validation_failed listing every bad field at once', async () => {
      const { status, body } = await get('/v1/traces?status=999&layer=cache&since=yesterday&limit=5000');
      expect(status).toBe(400);
      expect(body.code).toBe('validation_failed');
      expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['layer', 'limit', 'since', 'status']);
    });

    it('400 for an unknown parameter, an inverted range and a cursor it never issued', async () => {
      expect((await get('/v1/traces?colour=red')).body.code).toBe('validation_failed');
      const inverted = await get('/v1/traces?since=2024-03-12T14:00:00Z&until=2024-03-12T13:00:00Z');
      expect(inverted.status).toBe(400);
      expect(inverted.body.details[0].field).toBe('until');
      const cursor = await get('/v1/traces?cursor=not-a-cursor');
      expect(cursor.status).toBe(400);
      expect(cursor.body).toMatchObject({ code: 'validation_failed', details: [{ field: 'cursor' }] });
    });
  });
});
