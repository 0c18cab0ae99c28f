import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { COMBINED } from './nginx-access.parser';
import { nginxAccessEvent, type NginxFlavor } from './util/nginx-event';
import { UPSTREAMINFO, UPSTREAMINFO_TAIL } from './util/nginx-upstreaminfo';

/** `event.dataset` of ingress-nginx access events (Elastic's `nginx_ingress_controller` integration). */
export const INGRESS_NGINX_DATASET = 'nginx_ingress_controller.access';

const FLAVOR: NginxFlavor = {
  dataset: INGRESS_NGINX_DATASET,
  component: 'ingress-nginx',
  observer: { type: 'proxy', vendor: 'Kubernetes', product: 'ingress-nginx' },
  keep: ['proxy_upstream_name', 'proxy_alternative_upstream_name', 'upstream_addr'],
};

/**
 * Kubernetes ingress-nginx controller access log in its default `upstreaminfo` format. Source:
 * https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/log-format/ (variables:
 * http://nginx.org/en/docs/varindex.html). Layer `gateway`, component `ingress-nginx`, hop
 * HOP.proxy, dataset `nginx_ingress_controller.access`.
 *
 * Read with the nginx event builder (util/nginx-event.ts), so everything the `nginx` format reads
 * applies: `$time_local` with its offset, `$request`, `$status`, bytes, referer, user agent,
 * `$remote_user`. Specific to the controller:
 * - `$req_id` (last field) → `http.request.id` and `xrid:`: the controller sends it upstream as
 *   `X-Request-ID`, so the application behind can log the same value;
 * - `$upstream_status` is a list when the controller retried (`502, 403`): the last attempt decides
 *   what came back (http://nginx.org/en/docs/http/ngx_http_upstream_module.html#var_upstream_status).
 *   A number → `pass` with `upstream_status`; `-` with a refusal status (401, 403, 407, 429, 451) →
 *   `deny`: the controller answered itself (whitelist-source-range, deny annotations, limits);
 * - `$proxy_upstream_name` (`namespace-service-port`), `$proxy_alternative_upstream_name` and
 *   `$upstream_addr` are kept in `extra_fields`.
 * Lines that are not upstreaminfo are rejected `no_match` (give `--format nginx --nginx-log-format`
 * for a customised controller `log-format-upstream`).
 */
export const ingressNginxFormat: LogFormat = {
  name: 'ingress-nginx',
  dataset: INGRESS_NGINX_DATASET,
  description: 'Kubernetes ingress-nginx controller access log (upstreaminfo format, ends with $req_id)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (isUpstreamInfo(l)) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseIngressNginxLine(line, lineNo, options) };
  },
};

function isUpstreamInfo(line: string): boolean {
  const m = COMBINED.exec(line);
  return m !== null && m[1] === undefined && UPSTREAMINFO_TAIL.test(m[10] ?? '');
}

/** Parses one ingress-nginx upstreaminfo line. Pure. */
export function parseIngressNginxLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const raw = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (raw.trim() === '') return { kind: 'skip' };
  const vars = UPSTREAMINFO.match(raw);
  if (!vars) return { kind: 'reject', reason: 'no_match', detail: 'not an ingress-nginx upstreaminfo line' };
  return nginxAccessEvent(vars, { raw, lineNo, sourceName: options.sourceName }, FLAVOR);
}
