import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DenytraceConfig } from '@denytrace/config';
import type { Verdict } from '@denytrace/schema';
import { ServeModule } from '../apps/cli/src/serve/serve.module';
import { configureServeApp } from '../apps/cli/src/serve/configure-app';
import { HTTP_APP_OPTIONS } from '../apps/api/src/http-app-options';
import { S1, s1Truth, score } from './s1-helpers';
import { drain, fileLines, obliterate, push, shuffle, testConfig } from './service-helpers';

/**
 * Issue 3 end to end: scenario s1 pushed over HTTP as a log shipper would — files cut into bodies of
 * 4 000 lines, in shuffled order, every CloudFront body last (CloudFront logs land many minutes
 * after the app's), half of them gzip — through `POST /v1/ingest`; the worker decides as events
 * arrive; `GET /v1/traces?status=403` must agree with the truth on ≥ 99% of the labelled 403s.
 */
async function startServe(config: DenytraceConfig, worker = true): Promise<{ app: INestApplication; base: string }> {
  const app = await NestFactory.create(ServeModule.forRoot(config, { worker }), { ...HTTP_APP_OPTIONS, logger: ['error'] });
  configureServeApp(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

async function allVerdicts(base: string, status: number): Promise<Verdict[]> {
  const out: Verdict[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `${base}/v1/traces?status=${status}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: Verdict[]; next_cursor: string | null };
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

function bodiesOfS1(seed: number): Array<{ file: string; lines: string[] }> {
  const files = ['waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'nginx-error.log.gz', 'app.log.gz'];
  const cut = (file: string) => {
    const lines = fileLines(join(S1, file));
    const out: Array<{ file: string; lines: string[] }> = [];
    for (let i = 0; i < lines.length; i += 4000) out.push({ file, lines: lines.slice(i, i + 4000) });
    return out;
  };
  return [...shuffle(files.flatMap(cut), seed), ...shuffle(cut('cloudfront.log.gz'), seed + 1)];
}

describe('service: s1 pushed over HTTP, decided by the worker', () => {
  const truth = s1Truth();
  let config: DenytraceConfig;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    config = testConfig();
    ({ app, base } = await startServe(config));
    const bodies = bodiesOfS1(7);
    let i = 0;
    for (const b of bodies) await push(base, b.lines, { gzip: i++ % 2 === 0 });
    await drain(config, 240_000);
  }, 400_000);

  afterAll(async () => {
    await app?.close();
    if (config) await obliterate(config);
  });

  it('agrees with the truth on ≥ 99% of the 403s (layer, component and decisive rule)', async () => {
    const verdicts = await allVerdicts(base, 403);
    const byCfId = new Map<string, Verdict>();
    for (const v of verdicts) for (const id of v.correlation_ids) if (id.startsWith('amzcf:')) byCfId.set(id.slice(6), v);
    const s = score(truth, byCfId, 'service/s1');
    expect(s.layerRule).toBeGreaterThanOrEqual(0.99);
    expect(s.component).toBeGreaterThanOrEqual(0.99);
    // One verdict per refused request: no request split in two by the order its layers arrived in.
    expect(verdicts.length).toBe(truth.length);
  });

  it('answers any id kind at GET /v1/traces/:id', async () => {
    const t = truth.find((r) => r.emitter_component === 'app')!;
    for (const id of [t.ids.cloudfront_request_id, `xrid:${t.ids.nginx_request_id}`, t.ids.alb_trace_root]) {
      const res = await fetch(`${base}/v1/traces/${encodeURIComponent(id)}`);
      expect(res.status).toBe(200);
      const v = (await res.json()) as Verdict;
      expect(v.emitting_layer).toBe(t.emitting_layer);
      expect(v.decisive_rule?.id).toBe(t.rule_id);
    }
  });
});
