import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BadGzipError, PayloadTooLargeError, parseBody, type ParseBodyOptions } from './parse-body';
import { unwrapEnvelope } from './shipper-envelope';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string) => readFileSync(path.join(SHARED, p));
const lines = (p: string) => read(p).toString('utf8').split('\n').filter((l) => l.trim() !== '');

/** The body cut into chunks of `size` bytes, as a request stream delivers it. */
async function* chunks(buf: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const opts = (o: Partial<ParseBodyOptions> = {}): ParseBodyOptions => ({ sourceName: 'test', encoding: 'auto', maxBytes: 1 << 24, retention: 'all', ...o });

// Peer expectations: crowdsec's nginx parser accepts the 8 access lines of its test file (the 9th is an
// error-log line); Elastic's pipeline makes 4 events of its AWS WAF test file.
const NGINX = 'corpus/nginx/crowdsec-nginx_http-logs.log';
const NGINX_ACCESS = (JSON.parse(read('corpus/nginx/crowdsec-nginx_http-logs.s01-parse.derived.json').toString()).records as Array<{ Parsed: { status?: string } }>).filter((r) => r.Parsed.status).length;
const WAF = 'corpus/aws-waf/elastic-test-waf.log';
const WAF_EVENTS = (JSON.parse(read('corpus/aws-waf/elastic-test-waf.log-expected.json').toString()).expected as unknown[]).length;

describe('parseBody', () => {
  it('detects the format per line group: a body that mixes WAF JSON and nginx lines', async () => {
    const body = Buffer.from(`${[...lines(WAF), ...lines(NGINX), ...lines(WAF)].join('\n')}\n`);
    const r = await parseBody(chunks(body), opts());
    expect(r.totals.formats).toEqual({ 'aws-waf': 2 * WAF_EVENTS, nginx: NGINX_ACCESS });
    expect(r.totals.rejected).toBe(0);
  });

  it('switches format line by line when sources are interleaved', async () => {
    const waf = lines(WAF);
    const nginx = lines(NGINX).slice(0, WAF_EVENTS);
    const mixed = waf.flatMap((w, i) => [w, nginx[i]]);
    const r = await parseBody(chunks(Buffer.from(mixed.join('\n'))), opts());
    expect(r.totals.formats).toEqual({ 'aws-waf': WAF_EVENTS, nginx: WAF_EVENTS });
  });

  it('keeps a forced format: lines of another format are rejected, not re-detected', async () => {
    const r = await parseBody(chunks(Buffer.from([...lines(WAF), lines(NGINX)[0]].join('\n'))), opts({ format: 'aws-waf' }));
    expect(r.totals.formats).toEqual({ 'aws-waf': WAF_EVENTS });
    expect(r.totals.rejected).toBe(1);
  });

  it('reads a UTF-8 BOM and CRLF like a file (case C05: two app JSON records)', async () => {
    const expected = JSON.parse(read('cases/C05.expected.json').toString());
    const body = Buffer.from(read('cases/C05.jsonl').toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const r = await parseBody(chunks(body, 3), opts());
    expect(r.totals.records).toBe(expected.records.length);
    expect(r.events.map((e) => e.http?.response?.status_code)).toEqual(expected.records.map((x: { status: number }) => x.status));
  });

  it('unwraps Vector (JSON array, `message`) and Fluent Bit (`log`, `date`) envelopes into the raw lines', async () => {
    const raw = lines(NGINX).slice(0, 3);
    const vector = JSON.stringify(raw.map((message) => ({ file: '/var/log/nginx/access.log', host: 'h', message, source_type: 'file', timestamp: '2024-01-01T00:00:00Z' })));
    const v = await parseBody(chunks(Buffer.from(vector), 5), opts());
    expect(v.framing).toBe('array');
    expect(v.unwrapped).toBe(3);
    expect(v.events.map((e) => e.event.original)).toEqual(raw);
    const fluent = raw.map((log) => JSON.stringify({ date: 1718000000.25, log })).join('\n');
    const f = await parseBody(chunks(gzipSync(fluent)), opts({ encoding: 'gzip' }));
    expect(f.events.map((e) => e.event.original)).toEqual(raw);
  });

  it('leaves real records alone: a WAF record or an app record with a message field is not an envelope', () => {
    expect(unwrapEnvelope(lines(WAF)[0])).toBeUndefined();
    expect(unwrapEnvelope('{"message":"denied","status":403,"user":"u1"}')).toBeUndefined();
    expect(unwrapEnvelope('{"message":"a","log":"b"}')).toBeUndefined();
    expect(unwrapEnvelope('{"log":"x y z","stream":"stdout","time":"2024-01-01T00:00:00Z"}')).toBe('x y z');
    expect(unwrapEnvelope('"a raw line"')).toBe('a raw line');
  });

  it('rejects over-long records and invalid UTF-8 and reads on', async () => {
    const good = lines(NGINX)[0];
    const body = Buffer.concat([Buffer.from(`${good}\n${'x'.repeat(5000)}\n`), Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from(`${good}\n`)]);
    const r = await parseBody(chunks(body, 1000), opts({ maxLineBytes: 1024 }));
    expect(r.totals.rejected_by_reason).toEqual({ line_too_long: 1, invalid_utf8: 1 });
    expect(r.totals.records).toBe(2);
    expect(r.quarantine.map((q) => q.line)).toEqual([2, 3]);
  });

  it('splits crafted hostile arrays and lines without backtracking (finishes; rejects what is too long)', async () => {
    const n = 2_000_000;
    const nested = `[{"a":${'['.repeat(n)}${']'.repeat(n)}},{"message":"${'\\"'.repeat(n)}"}]`;
    const r = await parseBody(chunks(Buffer.from(nested), 1 << 16), opts({ maxLineBytes: 65536 }));
    expect(r.framing).toBe('array');
    expect(r.totals.rejected_by_reason).toEqual({ line_too_long: 2 });
    const longLine = `${'{"message":'.repeat(200_000)}\n${'"'.repeat(300_000)}\n`;
    const l = await parseBody(chunks(Buffer.from(longLine), 1 << 16), opts({ maxLineBytes: 65536 }));
    expect(l.totals.rejected_by_reason).toEqual({ line_too_long: 2 });
  });

  it('rejects a cut JSON array element as invalid_json', async () => {
    const raw = lines(NGINX)[0];
    const r = await parseBody(chunks(Buffer.from(`[${JSON.stringify({ message: raw })},{"message":"cut`)), opts());
    expect(r.totals.records).toBe(1);
    expect(r.totals.rejected_by_reason).toEqual({ invalid_json: 1 });
  });

  it('throws PayloadTooLargeError past the decompressed or the compressed limit, BadGzipError for a cut gzip', async () => {
    const big = Buffer.alloc(10_000, 'a');
    await expect(parseBody(chunks(big, 999), opts({ maxBytes: 4096 }))).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(parseBody(chunks(gzipSync(big)), opts({ maxBytes: 4096, encoding: 'gzip' }))).rejects.toMatchObject({ what: 'decompressed' });
    await expect(parseBody(chunks(big), opts({ maxBytes: 1 << 20, maxCompressedBytes: 4096 }))).rejects.toMatchObject({ what: 'compressed' });
    const gz = gzipSync(read(NGINX));
    await expect(parseBody(chunks(gz.subarray(0, gz.length - 20)), opts({ encoding: 'gzip' }))).rejects.toBeInstanceOf(BadGzipError);
    await expect(parseBody(chunks(Buffer.from('not gzip at all')), opts({ encoding: 'gzip' }))).rejects.toBeInstanceOf(BadGzipError);
  });

  it('gives the same digest to the same content, plain or gzip, and another to another forced format', async () => {
    const a = await parseBody(chunks(read(NGINX)), opts());
    const b = await parseBody(chunks(gzipSync(read(NGINX))), opts({ encoding: 'gzip' }));
    const c = await parseBody(chunks(read(NGINX)), opts({ format: 'nginx' }));
    expect(a.digest).toBe(b.digest);
    expect(c.digest).not.toBe(a.digest);
  });
});
