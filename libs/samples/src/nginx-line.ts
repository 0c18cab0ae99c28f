import { ADMIN_ALLOW_LIST, EDGE_ORIGIN_NETWORK, SITE_HOST } from './stack-world';

/**
 * nginx access and error log lines of the sample stack. Access log: `combined` plus the ids every
 * layer needs, written by this `log_format` (http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format,
 * variables http://nginx.org/en/docs/varindex.html). `$time_local` is `dd/Mon/yyyy:HH:MM:SS +0000`
 * (the host runs in UTC) and is taken when the request finishes; `$request_time` is seconds with ms
 * resolution; `$upstream_status` is `-` when nginx answered itself.
 */
export const NGINX_LOG_FORMAT_NAME = 'shop_trace';
export const NGINX_LOG_FORMAT =
  `log_format ${NGINX_LOG_FORMAT_NAME} '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ` +
  `"$http_referer" "$http_user_agent" rid=$request_id cfid="$http_x_amz_cf_id" trace="$http_x_amzn_trace_id" ` +
  `ups=$upstream_status rt=$request_time';`;

/** The configuration excerpt written as `nginx.conf.snippet`: the log format and the rules that refuse. */
export const NGINX_CONF_SNIPPET = [
  '# nginx configuration of the denytrace sample stack (excerpt)',
  NGINX_LOG_FORMAT,
  `access_log /var/log/nginx/access.log ${NGINX_LOG_FORMAT_NAME};`,
  'error_log  /var/log/nginx/error.log error;',
  '',
  '# $remote_addr is the viewer: trust X-Forwarded-For from the VPC (ALB) and the CloudFront edges',
  'set_real_ip_from 10.0.0.0/8;',
  `set_real_ip_from ${EDGE_ORIGIN_NETWORK};`,
  'real_ip_header X-Forwarded-For;',
  'real_ip_recursive on;',
  '',
  'server {',
  '    listen 80;',
  `    server_name ${SITE_HOST};`,
  '    proxy_set_header X-Request-ID $request_id;',
  '    location /admin/ {',
  ...ADMIN_ALLOW_LIST.map((n) => `        allow ${n};`),
  '        deny  all;',
  '        proxy_pass http://admin-portal;',
  '    }',
  '    location /static/ { root /srv/www; }',
  '    location /v1/ { proxy_pass http://api-services; }   # one upstream per service prefix in production',
  '    location / { return 404; }',
  '}',
  '',
].join('\n');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** `$time_local` of a UTC host: `02/May/2024:08:00:01 +0000`. */
export function timeLocal(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** The error log's time: `2024/05/02 08:00:01` (local time of the UTC host, no zone). */
export function errorLogTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\uffff"\\]/;

/** nginx's default variable escaping: `"`, `\`, controls and bytes ≥ 0x7f as `\xXX`. */
export function nginxEscape(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    out += b < 0x20 || b >= 0x7f || b === 0x22 || b === 0x5c ? `\\x${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** One access record; times epoch ms. */
export interface NginxAccessRecord {
  /** When the request finished, by the nginx host's clock. */
  endMs: number;
  clientIp: string;
  method: string;
  path: string;
  query: string;
  status: number;
  bodyBytes: number;
  referer: string | null;
  userAgent: string | null;
  requestId: string;
  cfId: string;
  trace: string;
  upstreamStatus: number | null;
  /** Seconds. */
  requestTime: number;
}

const dashq = (v: string | null) => (v === null || v === '' ? '-' : nginxEscape(v));

/** One line in the {@link NGINX_LOG_FORMAT} format (no newline). */
export function nginxAccessLine(r: NginxAccessRecord): string {
  const uri = `${r.path}${r.query ? `?${r.query}` : ''}`;
  return `${r.clientIp} - - [${timeLocal(r.endMs)}] "${nginxEscape(`${r.method} ${uri} HTTP/1.1`)}" ${r.status} ${r.bodyBytes} ` +
    `"${dashq(r.referer)}" "${dashq(r.userAgent)}" rid=${r.requestId} cfid="${r.cfId}" trace="${r.trace}" ` +
    `ups=${r.upstreamStatus ?? '-'} rt=${r.requestTime.toFixed(3)}`;
}

/**
 * The error-log line ngx_http_access_module writes when a `deny` rule refuses a request:
 * `YYYY/MM/DD HH:MM:SS [error] pid#tid: *conn access forbidden by rule, client: …, server: …, request: "…", host: "…"`.
 */
export function nginxForbiddenLine(ms: number, pid: number, conn: number, clientIp: string, method: string, path: string, query: string): string {
  const uri = `${path}${query ? `?${query}` : ''}`;
  return `${errorLogTime(ms)} [error] ${pid}#${pid}: *${conn} access forbidden by rule, client: ${clientIp}, server: ${SITE_HOST}, ` +
    `request: "${nginxEscape(`${method} ${uri} HTTP/1.1`)}", host: "${SITE_HOST}"`;
}
