import { nginxErrorFormat } from './nginx-error.parser';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compileLogFormat, jsonVars, type CompiledLogFormat } from './nginx-log-format';
import { unescapeNginx } from './util/nginx-escape';
import { NGINX_ACCESS_DATASET, nginxAccessEvent } from './util/nginx-event';
import { parseTrailingPairs } from './util/nginx-trailing';
import { UPSTREAMINFO, UPSTREAMINFO_TAIL } from './util/nginx-upstreaminfo';

/**
 * nginx access log (ngx_http_log_module, http://nginx.org/en/docs/http/ngx_http_log_module.html;
 * variables http://nginx.org/en/docs/varindex.html). Layer `gateway`, component `nginx`, hop
 * HOP.proxy, observer `{ type: 'proxy', vendor: 'F5', product: 'nginx' }`, dataset `nginx.access`.
 *
 * Without options it reads:
 * - `combined` (`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 *   "$http_referer" "$http_user_agent"`), also the common-log form without referer/agent, a
 *   `vhost[:port] ` prefix and a missing remote_user, followed by optional `key=value` /
 *   `key="value"` pairs and bare quoted trace headers (see util/nginx-trailing.ts);
 * - the ingress-nginx `upstreaminfo` format
 *   (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/log-format/);
 * - JSON lines keyed by variable names or their common aliases (`remote_addr`, `time_local`,
 *   `request`, `status`, `request_id`, `upstream_status`, `http_x_amz_cf_id` …).
 * With `ParserOptions.nginxLogFormat` it reads exactly that `log_format` (nginx-log-format.ts).
 *
 * `$time_local` offsets are applied (C10: `[02/Jan/2019:10:00:00 +0100]` → 09:00:00Z) and kept in
 * `denytrace.tz_offset_minutes`. Decision rules are in util/nginx-event.ts.
 */
export const nginxFormat: LogFormat = {
  name: 'nginx',
  dataset: NGINX_ACCESS_DATASET,
  description: 'nginx access log: combined (+ key=value ids), ingress-nginx upstreaminfo, JSON, or your log_format',
  detect: detectNginxAccess,
  createParser: (options: ParserOptions) => new NginxAccessParser(options),
};

/** `combined`/common with optional vhost prefix and missing remote_user; group 10 is the rest. */
export const COMBINED =
  /^(?:([^ ]+) )??([^ ]+) - (?:([^ ]*) )?\[([^\]]*)\] "((?:[^"\\]|\\.)*)" ([0-9]{3}|-) ([0-9]+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;

const ERROR_LOG_LINE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[[a-z]+\] /;

/**
 * Reads nginx access lines. An nginx error-log line in the same stream (a container's stdout and
 * stderr collected together, as `docker logs` gives them) is handed to the error-log parser rather
 * than rejected: its access-module refusals become events, its other messages are skipped.
 */
class NginxAccessParser implements LineParser {
  private readonly format: CompiledLogFormat | undefined;
  private errorLog: LineParser | undefined;

  constructor(private readonly options: ParserOptions) {
    this.format = options.nginxLogFormat ? compileLogFormat(options.nginxLogFormat) : undefined;
  }

  parse(line: string, lineNo: number): ParseOutcome {
    const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    if (raw.trim() === '') return { kind: 'skip' };
    const src = { raw, lineNo, sourceName: this.options.sourceName };
    if (ERROR_LOG_LINE.test(raw)) {
      this.errorLog ??= nginxErrorFormat.createParser(this.options);
      return this.errorLog.parse(raw, lineNo);
    }
    if (this.format) {
      const vars = this.format.match(raw);
      if (!vars) {
        return this.format.jsonKeys
          ? { kind: 'reject', reason: 'invalid_json', detail: `not a JSON object of log_format ${this.format.name}` }
          : { kind: 'reject', reason: 'no_match', detail: `line does not match log_format ${this.format.name}` };
      }
      return nginxAccessEvent(vars, src);
    }
    const vars = readDefault(raw);
    if (typeof vars === 'string') return { kind: 'reject', reason: vars === 'json' ? 'invalid_json' : 'no_match', detail: describe(raw, vars) };
    return nginxAccessEvent(vars, src);
  }
}

/** Variables of a line in one of the formats known without options, or why none fits. */
function readDefault(line: string): Map<string, string> | 'json' | 'none' {
  if (line.charCodeAt(0) === 0x7b /* { */) {
    try {
      const obj: unknown = JSON.parse(line);
      if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) return jsonVars(obj as Record<string, unknown>);
    } catch {
      /* fall through */
    }
    return 'json';
  }
  const m = COMBINED.exec(line);
  if (!m) return 'none';
  const rest = m[10] ?? '';
  if (m[1] === undefined && UPSTREAMINFO_TAIL.test(rest)) {
    const u = UPSTREAMINFO.match(line);
    if (u) return u;
  }
  const vars = new Map<string, string>();
  if (m[1] !== undefined) vars.set('http_host', m[1]);
  vars.set('remote_addr', m[2]);
  vars.set('remote_user', m[3] ?? '-');
  vars.set('time_local', m[4]);
  vars.set('request', unescapeNginx(m[5], 'default'));
  vars.set('status', m[6]);
  vars.set('body_bytes_sent', m[7]);
  if (m[8] !== undefined) vars.set('http_referer', unescapeNginx(m[8], 'default'));
  if (m[9] !== undefined) vars.set('http_user_agent', unescapeNginx(m[9], 'default'));
  if (rest.trim() !== '') parseTrailingPairs(rest, vars);
  return vars;
}

function describe(line: string, why: 'json' | 'none'): string {
  if (why === 'json') return 'not a JSON object';
  return 'not an nginx access line (combined, upstreaminfo or JSON); pass its log_format';
}

const NGINX_JSON_KEYS = ['time_local', 'time_iso8601', 'msec', 'remote_addr', 'request', 'request_uri', 'body_bytes_sent', 'http_user_agent', 'http_referer', 'upstream_status', 'request_time', 'request_method'];
const FOREIGN_JSON_KEYS = ['webaclId', 'httpRequest', 'terminatingRuleId', 'eventVersion', 'auditID'];

/**
 * Share of sample lines that read as nginx access records (combined-like or JSON with at least two
 * nginx variable names), times 0.95 so that an exact format claims its file first.
 */
function detectNginxAccess(sample: readonly string[]): number {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length === 0) return 0;
  let hits = 0;
  for (const l of lines) {
    const line = l.charCodeAt(0) === 0xfeff ? l.slice(1) : l;
    if (line.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        continue;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) continue;
      const o = obj as Record<string, unknown>;
      if (FOREIGN_JSON_KEYS.some((k) => k in o)) continue;
      // nginx writes each variable as a string or number; a nested `request` object is another product's (Kong's).
      const scalar = (k: string) => k in o && (typeof o[k] === 'string' || typeof o[k] === 'number');
      if (NGINX_JSON_KEYS.filter(scalar).length >= 2) hits++;
    } else if (COMBINED.test(line)) hits++;
  }
  return (hits / lines.length) * 0.95;
}
