import { cfRayId, cid, deferEventId, HOP, traceCorrelationIds, uniqueIds, type Decision, type DenyEvent, type NonDecisiveMatch } from '@denytrace/schema';
import type { ParserOptions } from '../parser';
import { compact, matchKey, original } from './fields';

/**
 * The one event shape of the rule-engine WAFs embedded in a web server or proxy (ModSecurity,
 * Coraza, open-appsec): layer waf, hop {@link HOP.proxy} (they run inside the proxy, before it
 * forwards). Pure.
 */
export interface WafRecord {
  dataset: string;
  component: 'modsecurity' | 'coraza' | 'open-appsec';
  observer: DenyEvent['observer'];
  /** Epoch ms, UTC. */
  ms: number;
  /** Minutes: set when the log's time had no zone and was read as UTC (0). */
  tzOffsetMinutes?: number;
  decision: Decision;
  action?: string;
  status?: number;
  /** Set when the layer passed the request on and the status came from behind it. */
  upstreamStatus?: number | null;
  rule?: DenyEvent['rule'];
  ruleType?: string;
  nonDecisive?: NonDecisiveMatch[];
  evidence?: string;
  /** The WAF's transaction id (ModSecurity `unique_id`, Coraza transaction id, open-appsec event reference) → `waftx:`. */
  txId?: string;
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  method?: string;
  path?: string;
  query?: string;
  version?: string;
  domain?: string;
  /** Request headers, names lower-case: ids and user agent are read from them. */
  headers?: ReadonlyMap<string, string>;
  userAgent?: string;
  labels?: string[];
  extra?: Record<string, string>;
}

/** The normalized event of one WAF record. `raw` is the record's text (for event.original and the id). */
export function wafEvent(r: WafRecord, raw: string, lineNo: number, options: ParserOptions): DenyEvent {
  const h = r.headers ?? new Map<string, string>();
  const ua = r.userAgent ?? h.get('user-agent');
  const xrid = h.get('x-request-id');
  const traceIds = [h.get('traceparent'), h.get('x-amzn-trace-id'), h.get('x-b3-traceid')].flatMap((v) => traceCorrelationIds(v));
  const w3c = traceIds.find((i) => i.startsWith('trace:'))?.slice(6);
  const event: DenyEvent = {
    '@timestamp': new Date(r.ms).toISOString(),
    event: compact({
      dataset: r.dataset,
      id: '',
      action: r.action,
      outcome: r.decision === 'deny' ? ('failure' as const) : r.decision === 'pass' ? ('success' as const) : ('unknown' as const),
      original: original(raw),
    }),
    observer: compact(r.observer),
    http: compact({
      request: compact({ id: xrid, method: r.method }),
      response: r.status !== undefined ? { status_code: r.status } : undefined,
      version: r.version,
    }),
    url: compact({ domain: r.domain, path: r.path, query: r.query }),
    source: r.clientIp ? compact({ ip: r.clientIp, port: r.clientPort }) : undefined,
    destination: r.serverIp ? compact({ ip: r.serverIp, port: r.serverPort }) : undefined,
    user_agent: ua ? { original: ua } : undefined,
    rule: r.rule ? compact(r.rule) : undefined,
    trace: w3c ? { id: w3c } : undefined,
    denytrace: compact({
      layer: 'waf' as const,
      component: r.component,
      hop: HOP.proxy,
      decision: r.decision,
      upstream_status: r.upstreamStatus,
      correlation_ids: uniqueIds([cid('waftx', r.txId), cid('xrid', xrid), ...traceIds, cid('cfray', cfRayId(h.get('cf-ray'))), cid('amzcf', h.get('x-amz-cf-id'))]),
      rule_type: r.ruleType,
      labels: r.labels?.length ? [...new Set(r.labels)] : undefined,
      non_decisive: r.nonDecisive?.length ? r.nonDecisive : undefined,
      evidence: r.evidence,
      extra_fields: r.extra && Object.keys(r.extra).length ? r.extra : undefined,
      match_key: matchKey(r.method, r.path, r.query, ua),
      source_file: options.sourceName,
      line: lineNo,
      tz_offset_minutes: r.tzOffsetMinutes,
    }),
  };
  return deferEventId(compact(event), raw);
}
