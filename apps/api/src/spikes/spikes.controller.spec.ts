import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spike } from '@denytrace/schema';
import { EVENT_STORE, type EventStore } from '@denytrace/store';
import { startApiTestApp, TEST_KEYS, type ApiTestApp } from '../testing/api-test-app';

/** A spike as detection would store it, the numbers typed by hand. */
function spike(id: string, start: string, end: string | null): Spike {
  return {
    id, kind: 'region_block', dimension: 'source.geo.country_iso_code', value: 'BR', start, end, status: end ? 'resolved' : 'firing', detected_at: start,
    baseline: { denied_per_min: 0.5, requests_per_min: 120, deny_ratio: 0.004 }, observed: { denied_per_min: 42, requests_per_min: 110, deny_ratio: 0.381 },
    magnitude: 84, p_value: 1e-12, denied: 420, sources: 57, top_emitter: { layer: 'waf', component: 'aws-waf', rule_id: 'GeoBlockSA', share: 0.97 },
    sample_trace_ids: ['t1'], series: { dimension: 'source.geo.country_iso_code', value: 'BR', scope: '*', test: 'ratio', expected: 0.004 },
    last_elevated_at: end ?? start, also_matched: [], summary: `403s from BR (${id})`, updated_at: end ?? start,
  };
}

/** `GET /v1/spikes` and `/v1/spikes/:id` over spikes written to a real SQLite store. */
describe('/v1/spikes', () => {
  let dir: string;
  let api: ApiTestApp;
  const get = async (path: string, key: string | null = TEST_KEYS.reader) => {
    const res = await fetch(`${api.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, body: (await res.json()) as any };
  };
  // Newest start first: e, d, c, b, a. `a` ended 10:30, before the 11:00 `since` used below.
  const spikes = [
    spike('spk_a', '2024-03-12T10:00:00.000Z', '2024-03-12T10:30:00.000Z'),
    spike('spk_b', '2024-03-12T11:00:00.000Z', '2024-03-12T11:20:00.000Z'),
    spike('spk_c', '2024-03-12T12:00:00.000Z', null),
    spike('spk_d', '2024-03-12T13:00:00.000Z', '2024-03-12T13:10:00.000Z'),
    spike('spk_e', '2024-03-12T14:00:00.000Z', null),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denytrace-api-spikes-'));
    api = await startApiTestApp({ dataDir: dir });
    await api.app.get<EventStore>(EVENT_STORE).upsertSpikes(spikes);
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages through every spike once, newest start first', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: any } = await get(`/v1/spikes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      ids.push(...body.items.map((s: Spike) => s.id));
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(ids).toEqual(['spk_e', 'spk_d', 'spk_c', 'spk_b', 'spk_a']);
    expect(pages).toBe(3);
  });

  it('filters by status and by overlap with [since, until)', async () => {
    expect((await get('/v1/spikes?status=firing')).body.items.map((s: Spike) => s.id)).toEqual(['spk_e', 'spk_c']);
    expect((await get('/v1/spikes?status=resolved')).body.items.map((s: Spike) => s.id)).toEqual(['spk_d', 'spk_b', 'spk_a']);
    // b ended 11:20 (overlaps from 11:00), c still firing, d started before 13:30; e starts after until; a ended before since.
    expect((await get('/v1/spikes?since=2024-03-12T11:00:00Z&until=2024-03-12T13:30:00Z')).body.items.map((s: Spike) => s.id)).toEqual(['spk_d', 'spk_c', 'spk_b']);
  });

  it('one spike by id, as stored; 404 not_found for an unknown one', async () => {
    const { status, body } = await get('/v1/spikes/spk_c');
    expect(status).toBe(200);
    expect(body).toEqual(spikes[2]);
    expect(await get('/v1/spikes/spk_nope')).toMatchObject({ status: 404, body: { error: 'Not Found', code: 'not_found' } });
  });

  it('400 validation_failed listing every bad field; an inverted range, a foreign cursor', async () => {
    const bad = await get('/v1/spikes?status=open&since=yesterday&limit=0&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'limit', 'since', 'status']);
    expect(await get('/v1/spikes?since=2024-03-12T14:00:00Z&until=2024-03-12T13:00:00Z')).toMatchObject({ status: 400, body: { details: [{ field: 'until' }] } });
    expect(await get('/v1/spikes?cursor=not-a-cursor')).toMatchObject({ status: 400, body: { details: [{ field: 'cursor' }] } });
  });

  it('needs a key with the reader role (admin also)', async () => {
    expect((await get('/v1/spikes', null)).body.code).toBe('missing_api_key');
    expect(await get('/v1/spikes', TEST_KEYS.ingester)).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect((await get('/v1/spikes/spk_a', TEST_KEYS.admin)).status).toBe(200);
  });
});
