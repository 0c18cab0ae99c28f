import { cid, HOP, uniqueIds, deferEventId, type Decision, type DenyEvent } from '@denytrace/schema';
import type { LineParser, LogFormat, ParseOutcome, ParserOptions } from './parser';
import { compact, isPlaceholderId, original } from './util/fields';
import { readIamDenial } from './util/iam-denial';
import { normalizeIp } from './util/ip';
import { extraFields, obj, parseRecord, str } from './util/json-record';
import { parseIsoTime } from './util/time-parse';

/** `event.dataset` of CloudTrail events (the Elastic `aws` integration's name). */
export const CLOUDTRAIL_DATASET = 'aws.cloudtrail';

/**
 * AWS CloudTrail events: one JSON event a record — JSON lines, or the `{"Records":[…]}` files
 * CloudTrail delivers to S3, or pretty-printed events one after another (ingest splits those).
 * Source: CloudTrail record contents,
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 *
 * Fields read: `eventTime` (ISO-8601 UTC → @timestamp), `eventSource` → service.name and
 * observer.name, `eventName` → event.action and (with the service prefix of eventSource)
 * `denytrace.permission` unless the error message names the action, `errorCode`, `errorMessage`,
 * `requestID` (→ http.request.id and `awsreq:`, the `x-amzn-RequestId` the caller got), `eventID`,
 * `sourceIPAddress` (→ source.ip when an address; `AWS Internal` or a service name is kept as extra),
 * `userAgent`, `userIdentity` {`arn` → user.id, `userName` (or the session issuer's) → user.name,
 * `accountId` → organization.id}, `tlsDetails.clientProvidedHostHeader` → url.domain,
 * `tlsDetails.tlsVersion`/`cipherSuite` → tls, `responseElements.ConsoleLogin`. Other top-level
 * fields (awsRegion, eventType, readOnly, recipientAccountId, requestParameters …) → extra_fields.
 *
 * Decision (layer `app`, component `cloudtrail`: the AWS API's own authorization): an `errorCode` of
 * access denial (AccessDenied, AccessDeniedException, UnauthorizedOperation,
 * Client.UnauthorizedOperation, UnauthorizedAccess, Forbidden, NotAuthorized …) → `deny`, HTTP status
 * 403 (the status these errors carry); a failed `ConsoleLogin` → `deny` (authentication, no status);
 * another errorCode → `pass` with outcome failure (authorized, failed for another reason); none →
 * `pass`. The decisive rule comes from `errorMessage` (see util/iam-denial.ts): rule.ruleset = the
 * policy type (`service control policy` …), rule.id = the policy ARN when given, else
 * `explicit-deny:<type>` / `implicit-deny:<type>`, rule.name = `explicit deny in a <type>` /
 * `no <type> allows <action>`, rule_type `explicit-deny` / `implicit-deny`; a message without that
 * context gives rule.id = errorCode, ruleset = eventSource. evidence = the errorMessage.
 */
export const cloudtrailFormat: LogFormat = {
  name: 'aws-cloudtrail',
  dataset: CLOUDTRAIL_DATASET,
  description: 'AWS CloudTrail events (JSON lines, {"Records":[…]} files, pretty-printed events)',
  detect(sample: readonly string[]): number {
    let seen = 0;
    let hits = 0;
    for (const l of sample) {
      if (l.trim() === '') continue;
      seen++;
      if (l.includes('"eventVersion"') && l.includes('"eventSource"') && l.includes('"eventName"')) hits++;
    }
    return seen === 0 ? 0 : hits / seen;
  },
  createParser(options: ParserOptions): LineParser {
    return { parse: (line, lineNo) => parseCloudTrailLine(line, lineNo, options) };
  },
};

const DENIAL_CODE = /^(?:Client\.)?(?:AccessDenied(?:Exception)?|UnauthorizedOperation|UnauthorizedAccess|Unauthorized(?:Exception)?|Forbidden(?:Exception)?|NotAuthorized(?:Exception)?|AuthorizationError|AccessDeniedForDependency|InvalidClientTokenId)$/i;
const MAPPED: ReadonlySet<string> = new Set([
  'eventTime', 'eventSource', 'eventName', 'errorCode', 'errorMessage', 'requestID', 'sourceIPAddress', 'userAgent', 'userIdentity', 'tlsDetails',
]);

/** Parses one CloudTrail event. Pure. Rejects: not JSON → `invalid_json`; no eventTime/eventName → `missing_field`; bad eventTime → `invalid_timestamp`. */
export function parseCloudTrailLine(line: string, lineNo: number, options: ParserOptions = {}): ParseOutcome {
  const parsed = parseRecord(line);
  if (!parsed.ok) return parsed.outcome;
  const rec = parsed.value;
  if (Array.isArray(rec.Records)) return { kind: 'reject', reason: 'invalid_field', detail: 'a {"Records":[…]} file on one line that was not split into events' };
  const timeRaw = str(rec.eventTime);
  const eventName = str(rec.eventName);
  if (!timeRaw || !eventName) return { kind: 'reject', reason: 'missing_field', detail: 'no eventTime or eventName: not a CloudTrail event' };
  const time = parseIsoTime(timeRaw);
  if (!time) return { kind: 'reject', reason: 'invalid_timestamp', detail: `eventTime ${timeRaw.slice(0, 40)}` };

  const source = str(rec.eventSource);
  const errorCode = str(rec.errorCode);
  const errorMessage = str(rec.errorMessage);
  const consoleLogin = str(obj(rec.responseElements).ConsoleLogin);
  const denied = errorCode !== undefined && DENIAL_CODE.test(errorCode);
  const failedLogin = eventName === 'ConsoleLogin' && consoleLogin === 'Failure';
  const decision: Decision = denied || failedLogin ? 'deny' : 'pass';
  const denial = denied ? readIamDenial(errorMessage) : {};
  let rule: DenyEvent['rule'];
  let ruleType: string | undefined;
  if (denied && denial.kind && denial.policyType) {
    const t = denial.policyType;
    ruleType = `${denial.kind}-deny`;
    rule = compact({
      id: denial.policyArn ?? `${ruleType}:${t.replace(/\s+/g, '-')}`,
      name: denial.kind === 'explicit' ? `explicit deny in a ${t}` : `no ${t} allows ${denial.action ?? eventName}`,
      ruleset: t,
    });
  } else if (denied) {
    ruleType = 'deny';
    rule = compact({ id: errorCode, name: `${errorCode} (the message names no policy type)`, ruleset: source });
  } else if (failedLogin) {
    ruleType = 'authentication';
    rule = compact({ id: 'ConsoleLogin', name: errorMessage ?? 'ConsoleLogin Failure', ruleset: source });
  }

  const ident = obj(rec.userIdentity);
  const issuer = obj(obj(ident.sessionContext).sessionIssuer);
  const ipRaw = str(rec.sourceIPAddress);
  const ip = normalizeIp(ipRaw);
  const tls = obj(rec.tlsDetails);
  const requestId = str(rec.requestID);
  const service = source?.replace(/\.amazonaws\.com$/, '');
  const extra = extraFields(rec, MAPPED) ?? {};
  if (ipRaw && !ip) extra.sourceIPAddress = ipRaw;
  const ua = str(rec.userAgent);

  const event: DenyEvent = compact({
    '@timestamp': new Date(time.ms).toISOString(),
    event: compact({
      dataset: CLOUDTRAIL_DATASET,
      id: '',
      action: eventName,
      outcome: decision === 'deny' || errorCode ? ('failure' as const) : ('success' as const),
      original: original(line),
    }),
    observer: compact({ type: 'api', vendor: 'AWS', product: 'CloudTrail', name: source }),
    http: compact({
      request: compact({ id: requestId }),
      response: denied ? { status_code: 403 } : undefined,
    }),
    url: compact({ domain: str(tls.clientProvidedHostHeader) }),
    source: ip ? { ip } : undefined,
    user_agent: ua ? { original: ua } : undefined,
    user: compact({ id: str(ident.arn) ?? str(ident.principalId), name: str(ident.userName) ?? str(issuer.userName) }),
    organization: str(ident.accountId) ?? str(rec.recipientAccountId) ? { id: str(ident.accountId) ?? str(rec.recipientAccountId) } : undefined,
    service: source ? { name: source } : undefined,
    tls: compact({ version: str(tls.tlsVersion), cipher: str(tls.cipherSuite) }),
    rule,
    denytrace: compact({
      layer: 'app' as const,
      component: 'cloudtrail',
      hop: HOP.app,
      decision,
      correlation_ids: uniqueIds([isPlaceholderId(requestId) ? undefined : cid('awsreq', requestId)]),
      rule_type: ruleType,
      permission: denial.action ?? (service ? `${service}:${eventName}` : eventName),
      evidence: [errorCode ? `errorCode ${errorCode}` : undefined, errorMessage?.slice(0, 500)].filter(Boolean).join(': ') || undefined,
      extra_fields: Object.keys(extra).length ? extra : undefined,
      source_file: options.sourceName,
      line: lineNo,
    }),
  });
  return { kind: 'event', event: deferEventId(event, line) };
}
