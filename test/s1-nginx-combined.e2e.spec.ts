import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingestAndDecide, S1, S1_LOGS, s1Truth, score } from './s1-helpers';

/**
 * The same scenario when nginx logs plain `combined`: no request id, no forwarded ids, no upstream
 * status. nginx's records then join only by match (chained between the ALB and the app, or behind
 * CloudFront), and its allow-list refusals are proved by the error log. Attribution must hold.
 */
describe('scenario s1 with nginx logging plain combined (no ids)', () => {
  let tmp: string;
  let run: Awaited<ReturnType<typeof ingestAndDecide>>;
  const truth = s1Truth();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'denytrace-combined-'));
    const lines = gunzipSync(readFileSync(join(S1, 'nginx.log.gz'))).toString('utf8').split('\n');
    // Cut each line after the user agent: `… "referer" "user agent"` is where combined ends.
    const combined = lines.map((l) => l.replace(/ rid=\S+ cfid="[^"]*" trace="[^"]*" ups=\S+ rt=\S+$/, ''));
    expect(combined.filter((l) => l.includes(' rid='))).toHaveLength(0);
    writeFileSync(join(tmp, 'access.log'), combined.join('\n'));
    const files = S1_LOGS.filter((f) => f !== 'nginx.log.gz').map((f) => join(S1, f));
    run = await ingestAndDecide([...files, join(tmp, 'access.log')]);
  });
  afterAll(async () => {
    await run?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('still names the emitting layer and decisive rule of ≥ 99% of the labelled 403s', () => {
    const s = score(truth, run.byCfId, 's1/combined');
    expect(s.layer).toBeGreaterThanOrEqual(0.99);
    expect(s.layerRule).toBeGreaterThanOrEqual(0.99);
    expect(s.component).toBeGreaterThanOrEqual(0.99);
  });

  it('still gives one 403 verdict per refused request (nginx lines are chained, not left alone)', () => {
    const n = run.verdicts.filter((v) => v.status === 403).length;
    expect(n).toBeGreaterThanOrEqual(truth.length);
    expect(n).toBeLessThanOrEqual(Math.ceil(truth.length * 1.01));
  });
});
