import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** One labelled 403 of scenario s1 (`truth/requests.jsonl`), the fields the API tests read. */
export interface TruthRequest {
  request_key: string;
  t: string;
  client_ip: string;
  status: number;
  emitting_layer: 'waf' | 'cdn' | 'gateway' | 'app';
  emitter_component: string;
  rule_id: string;
  country: string;
  ids: Record<string, string>;
}

/** The log files of s1 whose lines a slice picks by id. */
const FILES = ['cloudfront.log.gz', 'waf.log.gz', 'alb.log.gz', 'nginx.log.gz', 'app.log.gz'];

/** Splits a line into id-shaped tokens; `=` is a separator, so CloudFront ids are kept without their trailing `==`. */
const TOKEN_SEPARATORS = /[^A-Za-z0-9_-]+/;

/**
 * Test support: copies to `outDir` only the lines of scenario s1 (`scenarioDir`) that carry an id of
 * a truth request accepted by `pick`, so a test ingests a few hundred lines instead of 270 k and
 * still sees every layer of those requests. CloudFront's `#` header lines are kept. Returns the
 * picked truth requests. The caller passes the scenario folder (tests resolve `../shared`).
 */
export function writeS1Slice(scenarioDir: string, outDir: string, pick: (r: TruthRequest) => boolean): TruthRequest[] {
  const truth = readFileSync(join(scenarioDir, 'truth', 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TruthRequest)
    .filter(pick);
  const wanted = new Set<string>();
  for (const r of truth) {
    for (const [kind, id] of Object.entries(r.ids)) {
      if (kind === 'alb_conn_trace_id') continue; // one connection carries many requests
      wanted.add(id.replace(/^Root=/, '').replace(/=+$/, ''));
    }
  }
  mkdirSync(outDir, { recursive: true });
  for (const file of FILES) {
    const lines = gunzipSync(readFileSync(join(scenarioDir, file))).toString('utf8').split('\n');
    const kept = lines.filter((line) => line.startsWith('#') || line.split(TOKEN_SEPARATORS).some((t) => wanted.has(t)));
    writeFileSync(join(outDir, file.replace(/\.gz$/, '')), `${kept.join('\n')}\n`);
  }
  writeFileSync(join(outDir, 'nginx-error.log'), `${errorLinesOf(scenarioDir, truth).join('\n')}\n`);
  return truth;
}

/**
 * nginx error-log lines carry no id: keep the `access forbidden by rule` lines of the picked nginx
 * refusals by client address and time (within 30 s, the nginx host's clock differs).
 */
function errorLinesOf(scenarioDir: string, truth: readonly TruthRequest[]): string[] {
  const refusals = truth.filter((r) => r.emitter_component === 'nginx').map((r) => ({ ip: r.client_ip, ms: Date.parse(r.t) }));
  const lines = gunzipSync(readFileSync(join(scenarioDir, 'nginx-error.log.gz'))).toString('utf8').split('\n');
  return lines.filter((line) => {
    const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d) .*?, client: ([^,]+),/.exec(line);
    if (!m) return false;
    const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`);
    return refusals.some((r) => r.ip === m[5] && Math.abs(r.ms - ms) <= 30_000);
  });
}
