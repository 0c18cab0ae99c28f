import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import { cloudtrailFormat } from './aws-cloudtrail.parser';
import { detectFormat } from './formats';
import type { ParseOutcome } from './parser';
import { readIamDenial } from './util/iam-denial';

const SHARED = path.resolve(__dirname, '../../../../shared');
const DIR = path.join(SHARED, 'corpus/cloudtrail');
const LOG = 'crowdsec-aws-cloudtrail.log';
const linesOf = (f: string): string[] => readFileSync(path.join(DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== '');
const parse = (line: string): ParseOutcome => cloudtrailFormat.createParser({}).parse(line, 1);
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

/** A CloudTrail event around an error, typed by hand from the record-contents reference. */
const denied = (errorCode: string, errorMessage: string) => JSON.stringify({
  eventVersion: '1.09', userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/Matt', accountId: '123456789012', userName: 'Matt' },
  eventTime: '2024-11-05T10:20:30Z', eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2.15.0', errorCode, errorMessage, requestParameters: null, responseElements: null,
  requestID: '2f1a7c0e-6f6b-4c1e-9d55-0f6c0d4b8a11', eventID: 'c2b6a1e4-3b2f-4d8a-a3c5-5f0e7d9b1c22', readOnly: true, eventType: 'AwsApiCall',
});

describe('cloudtrailFormat', () => {
  it('names the format and dataset; the corpus log is detected as it', () => {
    expect(cloudtrailFormat.name).toBe('aws-cloudtrail');
    expect(cloudtrailFormat.dataset).toBe('aws.cloudtrail');
    expect(detectFormat(linesOf(LOG))?.format.name).toBe('aws-cloudtrail');
  });

  it('every corpus event file parses with no rejection (JSON lines here; pretty and Records files are split by ingest)', () => {
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.log'))) {
      const p = cloudtrailFormat.createParser({});
      expect(linesOf(f).map((l, i) => p.parse(l, i + 1).kind)).toEqual(linesOf(f).map(() => 'event'));
    }
  });

  describe('matches CrowdSec\'s parser expectations field by field', () => {
    const derived = JSON.parse(readFileSync(path.join(DIR, 'crowdsec-aws-cloudtrail.s01-parse.derived.json'), 'utf8')).records as Array<{ Parsed: { message: string }; Meta: Record<string, string> }>;
    it.each(derived.map((r, i) => [i, r]))('record %i', (_i, r) => {
      const e = ev(parse(r.Parsed.message));
      const m = r.Meta;
      expect(e.source?.ip).toBe(m.source_ip);
      expect(e.user_agent?.original).toBe(m.user_agent);
      expect(e.event.action).toBe(m.event_name);
      expect(e.service?.name).toBe(m.event_source);
      expect(e.denytrace.extra_fields?.awsRegion).toBe(m.region);
      expect(e.organization?.id).toBe(m.account_id);
      expect(e.denytrace.extra_fields?.eventType).toBeDefined();
      expect(e.denytrace.extra_fields?.eventID).toBe(m.event_id);
      // CrowdSec's user_arn is userIdentity.arn (our user.id), or the userName (our user.name) when the identity has no ARN
      const hasArn = JSON.parse(r.Parsed.message).userIdentity.arn !== undefined;
      expect(hasArn ? e.user?.id : e.user?.name).toBe(m.user_arn);
    });
  });

  it('a failed console sign-in is a refusal (authentication), GetCallerIdentity passes', () => {
    const [login, sts] = linesOf(LOG).map((l) => ev(parse(l)));
    expect(login.denytrace).toMatchObject({ layer: 'app', component: 'cloudtrail', decision: 'deny', rule_type: 'authentication' });
    expect(login.event.outcome).toBe('failure');
    expect(sts.denytrace.decision).toBe('pass');
    expect(sts.denytrace.correlation_ids).toEqual(['awsreq:<request-i>']);
  });

  it('explicit deny in a service control policy with the policy ARN (AWS Security Blog example message)', () => {
    // https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/
    const msg = 'User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd';
    const e = ev(parse(denied('AccessDenied', msg)));
    expect(e.denytrace).toMatchObject({ layer: 'app', component: 'cloudtrail', decision: 'deny', rule_type: 'explicit-deny', permission: 'iam:ListRoles' });
    expect(e.rule).toEqual({ id: 'arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd', name: 'explicit deny in a service control policy', ruleset: 'service control policy' });
    expect(e.http?.response?.status_code).toBe(403);
    expect(e.user).toEqual({ id: 'arn:aws:iam::123456789012:user/Matt', name: 'Matt' });
    expect(e.denytrace.correlation_ids).toEqual(['awsreq:2f1a7c0e-6f6b-4c1e-9d55-0f6c0d4b8a11']);
    expect(e['@timestamp']).toBe('2024-11-05T10:20:30.000Z');
  });

  it('implicit deny: "because no identity-based policy allows" (IAM troubleshooting page wording)', () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    const e = ev(parse(denied('AccessDenied', 'User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* because no identity-based policy allows the iam:ListRoles action')));
    expect(e.rule).toEqual({ id: 'implicit-deny:identity-based-policy', name: 'no identity-based policy allows iam:ListRoles', ruleset: 'identity-based policy' });
    expect(e.denytrace.rule_type).toBe('implicit-deny');
  });

  it('EC2 Client.UnauthorizedOperation without policy context; other error codes are not refusals', () => {
    const e = ev(parse(denied('Client.UnauthorizedOperation', 'You are not authorized to perform this operation.')));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toEqual({ id: 'Client.UnauthorizedOperation', name: 'Client.UnauthorizedOperation (the message names no policy type)', ruleset: 'iam.amazonaws.com' });
    const throttled = ev(parse(denied('ThrottlingException', 'Rate exceeded')));
    expect(throttled.denytrace.decision).toBe('pass');
    expect(throttled.event.outcome).toBe('failure');
  });

  it('reads every documented policy type and the older message without context (Step Functions doc example)', () => {
    for (const t of ['service control policy', 'resource control policy', 'permissions boundary', 'session policy', 'identity-based policy', 'resource-based policy']) {
      expect(readIamDenial(`User: a is not authorized to perform: s3:GetObject on resource: b with an explicit deny in a ${t}`)).toMatchObject({ kind: 'explicit', policyType: t, action: 's3:GetObject', resource: 'b' });
      expect(readIamDenial(`User: a is not authorized to perform: s3:GetObject because no ${t} allows the s3:GetObject action`).policyType).toBe(t);
    }
    const old = readIamDenial('User: arn:aws:iam::123456789012:user/graphene/tests/test-user is not authorized to perform: states:DeleteStateMachine on resource: arn:aws:states:us-east-1:123456789012:stateMachine:testUser_SM');
    expect(old).toEqual({ principal: 'arn:aws:iam::123456789012:user/graphene/tests/test-user', action: 'states:DeleteStateMachine', resource: 'arn:aws:states:us-east-1:123456789012:stateMachine:testUser_SM' });
  });

  it('keeps unknown fields, and rejects what is not a CloudTrail event', () => {
    expect(ev(parse(denied('AccessDenied', 'x'))).denytrace.extra_fields).toMatchObject({ awsRegion: 'us-east-1', readOnly: 'true', eventID: 'c2b6a1e4-3b2f-4d8a-a3c5-5f0e7d9b1c22' });
    expect(parse('{"eventVersion":"1.08"')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse('{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}')).toMatchObject({ kind: 'reject', reason: 'missing_field' });
    expect(parse('{"eventTime":"never","eventName":"GetObject"}')).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
  });
});
