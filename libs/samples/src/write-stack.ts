import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateStack, stackDeploys } from './stack-generator';
import { STACK_FILES, type StackOptions } from './stack-model';
import { NGINX_CONF_SNIPPET } from './nginx-line';
import { GEO_NETWORKS } from './stack-world';

/** Options of {@link writeStack}: the generator's, plus gzip output. */
export interface WriteStackOptions extends StackOptions {
  /** Write `*.log.gz` / `truth.jsonl.gz` (gzip) instead of plain text (default false). */
  gzip?: boolean;
}

/** Flush a file's buffer to its stream past this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** One output file: its buffered text, its sink (gzip → file, or file) and the file stream to await. */
class Sink {
  private buf = '';
  lines = 0;
  private readonly head: Writable;
  private readonly file: Writable;
  constructor(path: string, gzip: boolean) {
    this.file = createWriteStream(path);
    if (gzip) {
      const z = createGzip();
      z.pipe(this.file);
      this.head = z;
    } else this.head = this.file;
  }
  /** Appends a line; resolves at once unless the sink asked for back-pressure. */
  push(line: string, count: boolean): Promise<void> | undefined {
    this.buf += `${line}\n`;
    if (count) this.lines++;
    return this.buf.length >= CHUNK_CHARS ? this.flush() : undefined;
  }
  flush(): Promise<void> | undefined {
    if (this.buf === '') return undefined;
    const ok = this.head.write(this.buf);
    this.buf = '';
    return ok ? undefined : once(this.head, 'drain').then(() => undefined);
  }
  async close(): Promise<void> {
    await this.flush();
    this.head.end();
    await finished(this.file);
  }
}

/**
 * Writes a generated stack to `dir` (created if missing): `waf.log`, `cloudfront.log` (with its
 * `#Version`/`#Fields` header), `alb.log`, `nginx.log`, `nginx-error.log`, `app.log`, `truth.jsonl`
 * (one {@link DenyTruth} per refused request), plus `nginx.conf.snippet` (the `log_format` used),
 * `deploys.jsonl` (deploy events) and `geoip.csv` (network, country, region, organization of every
 * client network). `.gz` appended to the logs and truth when `gzip`. Streams with back-pressure.
 * Returns the number of records written per file name (CloudFront header lines not counted).
 */
export async function writeStack(dir: string, opts: WriteStackOptions): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true });
  const gz = opts.gzip ? '.gz' : '';
  const names: Record<string, string> = Object.fromEntries([
    ...STACK_FILES.map((f) => [f, `${f}.log${gz}`]),
    ['truth', `truth.jsonl${gz}`],
  ]);
  const sinks = new Map<string, Sink>();
  for (const [key, name] of Object.entries(names)) sinks.set(key, new Sink(join(dir, name), !!opts.gzip));
  try {
    for (const item of generateStack(opts)) {
      const wait = sinks.get(item.file)!.push(item.line, !(item.file === 'cloudfront' && item.line.startsWith('#')));
      if (wait) await wait;
    }
  } finally {
    await Promise.all([...sinks.values()].map((s) => s.close()));
  }
  const counts: Record<string, number> = {};
  for (const [key, name] of Object.entries(names)) counts[name] = sinks.get(key)!.lines;

  const small = async (name: string, text: string, lines: number) => {
    const s = createWriteStream(join(dir, name));
    s.end(text);
    await finished(s);
    counts[name] = lines;
  };
  const deploys = stackDeploys(opts);
  await small('deploys.jsonl', deploys.map((d) => `${JSON.stringify(d)}\n`).join(''), deploys.length);
  await small('geoip.csv', ['network,country_iso_code,region_iso_code,organization',
    ...GEO_NETWORKS.map((n) => `${n.network},${n.country},${n.region},${n.organization}`)].join('\n') + '\n', GEO_NETWORKS.length);
  await small('nginx.conf.snippet', NGINX_CONF_SNIPPET, NGINX_CONF_SNIPPET.split('\n').length - 1);
  return counts;
}
