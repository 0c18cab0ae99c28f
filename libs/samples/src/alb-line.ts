import type { Prng } from './prng';
import {
  ALB_CERT_ARN, ALB_NAME, ALB_TARGET_GROUP_ARN, EDGE_ORIGIN_NETWORK, SITE_HOST,
} from './stack-world';
import { addressIn } from './traffic';

/**
 * Application Load Balancer access log entry, the current 33-field layout:
 * `type time elb client:port target:port request_processing_time target_processing_time
 * response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request"
 * "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn"
 * matched_rule_priority request_creation_time "actions_executed" "redirect_url" "error_reason"
 * "target:port_list" "target_status_code_list" "classification" "classification_reason" conn_trace_id
 * "transformed_host" "transformed_uri" "request_transform_status"`
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
 * Times are ISO-8601 UTC with microseconds; processing times are seconds, `-1` when the load balancer
 * answered without a target.
 */
export const ALB_FIELD_COUNT = 33;

/** One ALB record. Times epoch ms (fractional); durations seconds. */
export interface AlbRecord {
  /** When the load balancer generated the response. */
  timeMs: number;
  /** When it received the request from the client (here: the CloudFront edge). */
  creationMs: number;
  conn: EdgeConnection;
  /** `ip:port`, or null when no target was chosen. */
  target: string | null;
  requestProcessing: number;
  targetProcessing: number;
  responseProcessing: number;
  elbStatus: number;
  targetStatus: number | null;
  receivedBytes: number;
  sentBytes: number;
  method: string;
  path: string;
  query: string;
  userAgent: string | null;
  /** The X-Amzn-Trace-Id as logged: `Root=…` or `Self=…;Root=…`. */
  traceId: string;
  matchedRulePriority: number;
  /** `forward` or `fixed-response`. */
  actions: string;
}

/** A CloudFront → ALB origin connection: CloudFront reuses them, so one `TID_…` covers many requests. */
export interface EdgeConnection { client: string; tid: string; cert: string }

/** A bounded pool of origin connections; a connection is replaced now and then. */
export class EdgeConnectionPool {
  private readonly conns: EdgeConnection[] = [];
  constructor(private readonly rng: Prng, size = 24) {
    for (let i = 0; i < size; i++) this.conns.push(this.open());
  }
  /** The connection the next origin request uses. */
  take(): EdgeConnection {
    const i = this.rng.int(this.conns.length);
    if (this.rng.chance(1 / 300)) this.conns[i] = this.open();
    return this.conns[i];
  }
  private open(): EdgeConnection {
    return {
      client: `${addressIn(EDGE_ORIGIN_NETWORK, this.rng)}:${this.rng.range(10240, 65000)}`,
      tid: `TID_${this.rng.hex(32)}`,
      cert: this.rng.chance(0.3) ? 'session-reused' : ALB_CERT_ARN,
    };
  }
}

/** ISO-8601 UTC with microseconds, e.g. `2024-05-02T08:00:00.123456Z`. */
export function isoMicros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return `${new Date(whole).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

const quote = (v: string | null): string => `"${v === null ? '-' : v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const secs = (v: number): string => (v < 0 ? '-1' : v.toFixed(3));

/** One space-separated ALB record line (no newline). */
export function albLine(r: AlbRecord): string {
  const url = `https://${SITE_HOST}:443${r.path}${r.query ? `?${r.query}` : ''}`;
  const forwarded = r.target !== null;
  return [
    'https', isoMicros(r.timeMs), ALB_NAME, r.conn.client, r.target ?? '-',
    secs(r.requestProcessing), secs(r.targetProcessing), secs(r.responseProcessing),
    r.elbStatus, r.targetStatus ?? '-', r.receivedBytes, r.sentBytes,
    quote(`${r.method} ${url} HTTP/1.1`), quote(r.userAgent),
    'ECDHE-RSA-AES128-GCM-SHA256', 'TLSv1.2', forwarded ? ALB_TARGET_GROUP_ARN : '-',
    quote(r.traceId), quote(SITE_HOST), quote(r.conn.cert), r.matchedRulePriority, isoMicros(Math.floor(r.creationMs)),
    quote(r.actions), '"-"', '"-"', quote(r.target ?? '-'), quote(r.targetStatus === null ? '-' : String(r.targetStatus)),
    '"-"', '"-"', r.conn.tid, '"-"', '"-"', '"-"',
  ].join(' ');
}
