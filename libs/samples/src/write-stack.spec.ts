import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateStack, writeStack, type StackOptions } from '@denytrace/samples';

const OPTS: StackOptions = { seed: 21, start: new Date('2024-06-04T09:00:00Z'), requests: 6000, incidents: true };
const LOGS = ['waf.log', 'cloudfront.log', 'alb.log', 'nginx.log', 'nginx-error.log', 'app.log', 'truth.jsonl'];

describe('writeStack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'denytrace-samples-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every log, the truth and the nginx log_format, with the counts it returns', async () => {
    const counts = await writeStack(join(dir, 'plain'), OPTS);
    const files = readdirSync(join(dir, 'plain')).sort();
    expect(files).toEqual([...LOGS, 'deploys.jsonl', 'geoip.csv', 'nginx.conf.snippet'].sort());
    for (const f of LOGS) {
      const lines = readFileSync(join(dir, 'plain', f), 'utf8').split('\n');
      expect(lines.pop()).toBe(''); // newline-terminated
      const records = f === 'cloudfront.log' ? lines.filter((l) => !l.startsWith('#')) : lines;
      expect(counts[f]).toBe(records.length);
    }
    expect(readFileSync(join(dir, 'plain', 'cloudfront.log'), 'utf8').startsWith('#Version: 1.0\n#Fields: date time ')).toBe(true);
    // The brief's nginx format: combined followed by these ids (the log_format name is ours).
    expect(readFileSync(join(dir, 'plain', 'nginx.conf.snippet'), 'utf8')).toMatch(
      /log_format \w+ '\$remote_addr - \$remote_user \[\$time_local\] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" rid=\$request_id cfid="\$http_x_amz_cf_id" trace="\$http_x_amzn_trace_id" ups=\$upstream_status rt=\$request_time';/,
    );
    // The file holds exactly what the generator yields.
    const waf = [...generateStack(OPTS)].filter((i) => i.file === 'waf').map((i) => `${i.line}\n`).join('');
    expect(readFileSync(join(dir, 'plain', 'waf.log'), 'utf8')).toBe(waf);
  });

  it('gzips to the same bytes when asked', async () => {
    await writeStack(join(dir, 'gz'), { ...OPTS, gzip: true });
    for (const f of LOGS) {
      expect(gunzipSync(readFileSync(join(dir, 'gz', `${f}.gz`))).toString('utf8')).toBe(readFileSync(join(dir, 'plain', f), 'utf8'));
    }
  });
});
