import { lineShare } from './util/fields';
import { traceCorrelationIds } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { normalizeIp } from './util/ip';
import { asText, isObject, parseJsonObject, type JsonObject } from './util/json-path';
import { portOf } from './util/modsec-records';
import { parseIsoTime } from './util/time-parse';
import { splitTarget } from './util/url-request';
import { wafEvent } from './util/waf-event';

/**
 * open-appsec (Check Point) security event logs, one JSON object a line
 * (field reference: https://docs.openappsec.io/references/events-logs-schema; `eventReferenceId` is the
 * reference id shown to the client on the prevention response page): top-level `eventTime` (no zone:
 * read as UTC), `eventName`, `eventSeverity`, `eventSource.{agentId, eventTraceId, eventSpanId,
 * serviceName}`, `eventData.{eventReferenceId, sourceIP, sourcePort, httpHostName, httpMethod,
 * httpUriPath, httpUserAgent, securityAction, practiceName, practiceId, practiceSubType, ruleName,
 * ruleId, waapIncidentType, matchedSample, matchedLocation, matchedParameter, waapFinalScore}`.
 * Unknown `eventData` keys are kept in `denytrace.extra_fields`.
 *
 * `securityAction` `Prevent` → deny (event.action `prevent`), `Detect` → pass (a match in detect-learn
 * mode), `Accept`/other → pass. Decisive rule: `rule.id` = `ruleName` unless it is the wildcard `Any`,
 * then the practice (`practiceName`); `rule.ruleset` = `practiceName`; `rule.name` = `waapIncidentType`.
 * The log gives no status. Layer waf, component `open-appsec`, hop HOP.proxy (the agent runs in the
 * reverse proxy); `eventReferenceId` → `waftx:`, a W3C `eventTraceId` → `trace:`.
 */
export const openAppsecFormat: LogFormat = {
  name: 'open-appsec',
  dataset: 'openappsec.security_log',
  description: 'open-appsec WAF security event logs (JSON lines)',
  detect(sample: readonly string[]): number {
    return 0.95 * lineShare(sample, (l) => l.charCodeAt(0) === 0x7b && l.includes('"eventData"') && l.includes('"eventSource"') && (l.includes('"securityAction"') || l.includes('"practiceName"') || l.includes('"eventReferenceId"')));
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseOpenAppsecLine(line, lineNo, options) };
  },
};

const DATASET = 'openappsec.security_log';
const READ: ReadonlySet<string> = new Set([
  'eventReferenceId', 'sourceIP', 'sourcePort', 'httpHostName', 'httpMethod', 'httpUriPath', 'httpUserAgent', 'securityAction', 'practiceName', 'practiceId',
  'practiceSubType', 'practiceType', 'ruleName', 'ruleId', 'waapIncidentType', 'matchedSample', 'matchedLocation', 'matchedParameter', 'waapFinalScore',
  'logIndex', 'assetId', 'assetName', 'eventConfidence', 'httpSourceId', 'waapOverride', 'waapFoundIndicators', 'matchedIndicators', 'learnedIndicators',
  'waapUserReputationScore', 'waapUserReputation', 'waapUriFalsePositiveScore', 'waapKeywordsScore', 'waapCalculatedThreatLevel',
]);

/** Parses one open-appsec log line. Pure. */
export function parseOpenAppsecLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const t = line.trim();
  if (t === '') return { kind: 'skip' };
  const p = parseJsonObject(t);
  if (!p.ok) return { kind: 'reject', reason: 'invalid_json', detail: p.detail };
  const o = p.value;
  if (!isObject(o.eventData)) return { kind: 'reject', reason: 'missing_field', detail: 'no eventData: not an open-appsec event' };
  const d: JsonObject = o.eventData;
  const src: JsonObject = isObject(o.eventSource) ? o.eventSource : {};
  const time = parseIsoTime(asText(o.eventTime) ?? '');
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `eventTime ${String(o.eventTime).slice(0, 40)}` };
  const sourceIpRaw = asText(d.sourceIP);
  const ip = normalizeIp(sourceIpRaw);
  if (sourceIpRaw && !ip) return { kind: 'reject', reason: 'invalid_ip', detail: `sourceIP ${sourceIpRaw.slice(0, 64)}` };
  const action = asText(d.securityAction);
  const deny = action !== undefined && action.toLowerCase() === 'prevent';
  const ruleName = asText(d.ruleName);
  const practice = asText(d.practiceName);
  const ruleId = ruleName && ruleName !== 'Any' ? ruleName : practice;
  const target = asText(d.httpUriPath) ? splitTarget(asText(d.httpUriPath)!) : {};
  const headers = new Map<string, string>();
  const ua = asText(d.httpUserAgent);
  const traceId = asText(src.eventTraceId);
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) if (!READ.has(k) && v !== null && v !== undefined) extra[k] = asText(v) ?? JSON.stringify(v);
  const traceIds = traceCorrelationIds(traceId);
  if (traceIds.length) headers.set('traceparent', traceId!);
  const evidence = [
    `securityAction ${action ?? '?'}`,
    asText(d.waapIncidentType) ? `incident ${asText(d.waapIncidentType)}` : undefined,
    asText(d.matchedLocation) ? `matched in ${asText(d.matchedLocation)}${asText(d.matchedParameter) ? ` ${asText(d.matchedParameter)}` : ''}: ${String(asText(d.matchedSample) ?? '').slice(0, 200)}` : undefined,
    asText(d.waapFinalScore) ? `score ${asText(d.waapFinalScore)}` : undefined,
  ].filter(Boolean).join('; ');
  return {
    kind: 'event',
    event: wafEvent({
      dataset: DATASET,
      component: 'open-appsec',
      observer: { type: 'waf', vendor: 'Check Point', product: 'open-appsec', name: asText(src.agentId) },
      ms: time.ms,
      tzOffsetMinutes: /(?:Z|[+-]\d{2}:?\d{2})$/.test(asText(o.eventTime) ?? '') ? undefined : 0,
      decision: deny ? 'deny' : 'pass',
      action: action?.toLowerCase(),
      rule: ruleId ? { id: ruleId, name: asText(d.waapIncidentType) ?? ruleId, ruleset: practice, category: asText(d.practiceSubType) } : undefined,
      ruleType: asText(d.practiceType),
      evidence,
      txId: asText(d.eventReferenceId),
      clientIp: ip,
      clientPort: portOf(d.sourcePort),
      method: asText(d.httpMethod),
      path: target.path,
      query: target.query,
      domain: asText(d.httpHostName),
      headers,
      userAgent: ua,
      extra,
    }, line, lineNo, options),
  };
}
