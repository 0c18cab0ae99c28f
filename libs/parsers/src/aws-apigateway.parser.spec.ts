import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOP, type DenyEvent } from '@denytrace/schema';
import { apigatewayFormat, parseApigwLine } from './aws-apigateway.parser';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const lines = (p: string): string[] => readFileSync(path.join(SHARED, p), 'utf8').split('\n').filter((l) => l.trim() !== '');
const CORPUS = 'corpus/aws-apigateway/elastic-test-apigateway-rest.log';

function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

describe('apigatewayFormat', () => {
  it('names the format and the Elastic dataset', () => {
    expect(apigatewayFormat.name).toBe('aws-apigateway');
    expect(apigatewayFormat.dataset).toBe('aws.apigateway_logs');
  });

  it('detects the console default JSON and not app or other JSON', () => {
    expect(apigatewayFormat.detect(lines(CORPUS))).toBe(1);
    expect(apigatewayFormat.detect(['{"ts":"2024-03-12T14:00:00Z","request_id":"r1","method":"GET","path":"/a","status":403,"decision":"deny"}'])).toBe(0);
    expect(apigatewayFormat.detect(['{"requestId":"abc","msg":"hello"}'])).toBe(0);
  });
});

describe('corpus: Elastic pipeline test file (REST API, console default format)', () => {
  const p = apigatewayFormat.createParser({ sourceName: 'rest.log' });
  const outcomes = lines(CORPUS).map((l, i) => p.parse(l, i + 1));

  it('every record parses, none rejected', () => {
    expect(outcomes.filter((o) => o.kind !== 'event')).toEqual([]);
    expect(outcomes).toHaveLength(5);
  });

  it('reads the first record by hand: requestTime offset, request id, client, route template, status', () => {
    // {"requestId":"48752d0f-…","ip":"1.128.0.0",…,"requestTime":"10/Jun/2023:15:36:28 +0000","httpMethod":"GET","resourcePath":"/pets","status":"200","protocol":"HTTP/1.1","responseLength":"184"}
    const e = ev(outcomes[0]);
    expect(e['@timestamp']).toBe('2023-06-10T15:36:28.000Z');
    expect(e.http?.request?.id).toBe('48752d0f-c99d-4cfa-a5a7-f3c6834d19e5');
    expect(e.denytrace.correlation_ids).toEqual(['apigw:48752d0f-c99d-4cfa-a5a7-f3c6834d19e5']);
    expect(e.source?.ip).toBe('1.128.0.0');
    expect(e.http?.request?.method).toBe('GET');
    expect(e.url?.path).toBe('/pets');
    expect(e.http?.response).toEqual({ status_code: 200, bytes: 184 });
    expect(e.http?.version).toBe('1.1');
    expect(e.user).toBeUndefined(); // caller and user are "-"
    expect(e.denytrace).toMatchObject({ layer: 'gateway', component: 'api-gateway', hop: HOP.loadBalancer, decision: 'pass' });
    expect(e.denytrace.extra_fields).toBeUndefined();
  });

  it('names the API by apiId and keeps the domain', () => {
    const e = ev(outcomes[3]);
    expect(e.observer).toEqual({ type: 'api-gateway', vendor: 'AWS', product: 'API Gateway', name: 'asad15n3p0' });
    expect(e.url?.domain).toBe('asad15n3p0.execute-api.us-east-1.amazonaws.com');
  });
});

describe('refusals read from $context.error.responseType, not the status alone', () => {
  it('a route that does not exist: 403 MISSING_AUTHENTICATION_TOKEN is API Gateway itself', () => {
    // Variables from the access-logging reference; message text as API Gateway returns it for an
    // unknown resource ("Missing Authentication Token", supported-gateway-response-types page).
    const line = JSON.stringify({
      requestId: '5f1e2d3c-0000-4a4a-8b8b-123456789abc', ip: '203.0.113.10', caller: '-', user: '-',
      requestTime: '12/Mar/2024:14:02:11 +0000', httpMethod: 'GET', resourcePath: '-', path: '/prod/nope?x=1', status: '403',
      protocol: 'HTTP/1.1', responseLength: '42', apiId: 'a1b2c3', stage: 'prod',
      error: { message: 'Missing Authentication Token', responseType: 'MISSING_AUTHENTICATION_TOKEN' },
    });
    const e = ev(parseApigwLine(line, 1));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.upstream_status).toBeNull();
    expect(e.rule).toEqual({ id: 'MISSING_AUTHENTICATION_TOKEN', name: 'Missing Authentication Token', ruleset: 'a1b2c3/prod' });
    expect(e.denytrace.refused_by).toBeUndefined();
    expect(e.event).toMatchObject({ action: 'deny', outcome: 'failure' });
    expect(e.url).toMatchObject({ path: '/prod/nope', query: 'x=1' });
  });

  it('WAF_FILTERED is refused by the web ACL on the stage; both request ids are kept', () => {
    const line = JSON.stringify({
      requestId: '7c1c2f44-aaaa-4bbb-8ccc-0123456789ab', extendedRequestId: 'UqTtDFvLIAMEb5g=', sourceIp: '198.51.100.7',
      requestTimeEpoch: 1710252131123, httpMethod: 'POST', routeKey: 'POST /orders', status: 403,
      errorResponseType: 'WAF_FILTERED', errorMessage: 'Forbidden', wafResponseCode: 'WAF_BLOCK', xrayTraceId: 'Root=1-65f06c68-d8a2c4bcc5867a949c10a32d',
    });
    const e = ev(parseApigwLine(line, 2));
    expect(e['@timestamp']).toBe('2024-03-12T14:02:11.123Z');
    expect(e.denytrace.decision).toBe('deny');
    expect(e.denytrace.refused_by).toEqual({ layer: 'waf', component: 'aws-waf' });
    expect(e.rule?.id).toBe('WAF_FILTERED');
    expect(e.url?.path).toBe('/orders');
    expect(e.denytrace.correlation_ids).toEqual([
      'apigw:7c1c2f44-aaaa-4bbb-8ccc-0123456789ab', 'apigw:UqTtDFvLIAMEb5g=', 'xray:1-65f06c68-d8a2c4bcc5867a949c10a32d',
    ]);
    expect(e.trace?.id).toBe('65f06c68d8a2c4bcc5867a949c10a32d');
  });

  it('a Lambda authorizer that said 403 (dotted keys as the variables are named)', () => {
    const line = JSON.stringify({ requestId: 'b0b0b0b0-1111-4222-8333-444455556666', requestTime: '12/Mar/2024:14:02:11 +0000', httpMethod: 'DELETE', resourcePath: '/admin', status: '403', 'authorizer.status': '403', 'authorizer.error': 'User is not authorized to access this resource' });
    const e = ev(parseApigwLine(line, 3));
    expect(e.denytrace.decision).toBe('deny');
    expect(e.rule).toMatchObject({ id: 'AUTHORIZER', name: 'User is not authorized to access this resource' });
  });

  it('a 403 from the integration is passed through: pass with upstream_status', () => {
    const line = JSON.stringify({ requestId: 'c1c1c1c1-1111-4222-8333-444455556666', requestTimeEpoch: '1710252131000', routeKey: 'GET /orders/{id}', status: '403', integrationStatus: '403' });
    const e = ev(parseApigwLine(line, 4));
    expect(e.denytrace.decision).toBe('pass');
    expect(e.denytrace.upstream_status).toBe(403);
    expect(e.rule).toBeUndefined();
  });

  it('a 403 with nothing else logged cannot be placed: unknown', () => {
    const e = ev(parseApigwLine(JSON.stringify({ requestId: 'd1d1d1d1-1111-4222-8333-444455556666', requestTime: '12/Mar/2024:14:02:11 +0000', resourcePath: '/x', status: '403' }), 5));
    expect(e.denytrace.decision).toBe('unknown');
  });

  it('keeps unknown keys (format drift) in extra_fields', () => {
    const e = ev(parseApigwLine(JSON.stringify({ requestId: 'e1e1e1e1-1111-4222-8333-444455556666', requestTime: '12/Mar/2024:14:02:11 +0000', status: '200', tenant: 'acme', latency: 12 }), 6));
    expect(e.denytrace.extra_fields).toEqual({ tenant: 'acme', latency: '12' });
  });
});

describe('malformed input is a counted rejection', () => {
  it.each([
    ['not json', 'invalid_json'],
    ['{"requestId":"x","status":"200"}', 'missing_field'],
    ['{"requestId":"x","requestTime":"yesterday"}', 'invalid_timestamp'],
    ['{"requestId":"x","requestTime":"12/Mar/2024:14:02:11 +0000","ip":"999.1.1.1"}', 'invalid_ip'],
  ])('%s → %s', (line, reason) => {
    expect(parseApigwLine(line, 1)).toMatchObject({ kind: 'reject', reason });
  });
});
