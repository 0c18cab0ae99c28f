import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DenyEvent } from '@denytrace/schema';
import { cloudflareFirewallFormat } from './cloudflare-firewall.parser';
import { detectFormat } from './formats';
import type { ParseOutcome } from './parser';

const SHARED = path.resolve(__dirname, '../../../../shared');
const read = (p: string): string => readFileSync(path.join(SHARED, p), 'utf8');
const FILE = 'corpus/cloudflare-firewall/elastic-test-pipeline-firewall-event.log';
const lines = read(FILE).split('\n').filter((l) => l.trim() !== '');
const parse = (line: string, n = 1): ParseOutcome => cloudflareFirewallFormat.createParser({}).parse(line, n);
function ev(o: ParseOutcome): DenyEvent {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(o)}`);
  return o.event;
}

describe('cloudflareFirewallFormat', () => {
  it('names the format and the Elastic dataset, and is detected on the corpus file', () => {
    expect(cloudflareFirewallFormat.name).toBe('cloudflare-firewall');
    expect(cloudflareFirewallFormat.dataset).toBe('cloudflare_logpush.firewall_event');
    expect(detectFormat(lines)?.format.name).toBe('cloudflare-firewall');
  });

  it('parses every record of the corpus file, none rejected', () => {
    const p = cloudflareFirewallFormat.createParser({});
    expect(lines.map((l, i) => p.parse(l, i + 1).kind)).toEqual(lines.map(() => 'event'));
  });

  describe('matches Elastic\'s expected output field by field', () => {
    const expected = JSON.parse(read(`${FILE}-expected.json`)).expected as any[];
    const events = lines.map((l, i) => ev(parse(l, i + 1)));
    it.each(expected.map((e, i) => [i, e]))('record %i', (i, exp) => {
      const e = events[i as number];
      // Elastic has no @timestamp for record 4 (no Datetime); we read EdgeStartTimestamp there.
      if (exp['@timestamp']) expect(e['@timestamp']).toBe(exp['@timestamp']);
      expect(e.event.action).toBe(exp.event.action);
      expect(e.rule?.id).toBe(exp.rule?.id);
      expect(e.http?.request?.method).toBe(exp.http.request.method);
      expect(e.http?.response?.status_code).toBe(exp.http.response.status_code);
      expect(e.http?.version).toBe(exp.http.version);
      expect(e.source?.ip).toBe(exp.source.ip);
      expect(e.source?.as?.number).toBe(exp.source.as.number);
      // ECS country codes are upper-case ISO 3166-1; Elastic keeps Cloudflare's lower case.
      expect(e.source?.geo?.country_iso_code).toBe(String(exp.source.geo.country_iso_code).toUpperCase());
      expect(e.url?.domain).toBe(exp.url.domain);
      expect(e.url?.path).toBe(exp.url.path);
      expect(e.url?.query).toBe(exp.url.query);
      expect(e.url?.scheme).toBe(exp.url.scheme);
      expect(e.user_agent?.original).toBe(exp.user_agent.original);
      expect(e.http?.request?.id).toBe(exp.cloudflare_logpush.firewall_event.ray.id);
      expect(e.event.original).toBe(exp.event.original);
    });
  });

  it('a block is a refusal by the edge WAF with the rule, Ray ID as cfray:, origin never contacted', () => {
    const e = ev(parse(lines[0]));
    expect(e.denytrace).toMatchObject({ layer: 'waf', component: 'cloudflare', decision: 'deny', upstream_status: null, rule_type: 'firewallrules' });
    expect(e.rule).toEqual({ id: '7dc666e026974dab84884c73b3e2afe1', name: '7dc666e026974dab84884c73b3e2afe1', ruleset: 'firewallrules' });
    expect(e.denytrace.correlation_ids).toEqual(['cfray:713d477539b55c29']);
    expect(e.event.outcome).toBe('failure');
    // Kind, MatchIndex, Metadata are kept as logged
    expect(e.denytrace.extra_fields).toMatchObject({ Kind: 'firewall', MatchIndex: '1', Metadata: '{"filter":"1ced07e066a34abf8b14f2a99593bc8d","type":"customer"}' });
  });

  it('the three Datetime encodings (RFC 3339, epoch s, epoch ns) give the same instant', () => {
    expect(lines.slice(0, 3).map((l) => ev(parse(l))['@timestamp'])).toEqual(Array(3).fill('2022-05-31T05:23:43.000Z'));
  });

  it('a managed challenge with a description (typed from the field reference\'s Action list) refuses; a log action does not decide', () => {
    // https://developers.cloudflare.com/logs/reference/log-fields/zone/firewall_events/ — Action managedchallenge, Source firewallManaged
    const base = { Datetime: '2024-05-01T10:00:00Z', RayID: '8a1b2c3d4e5f6a7b', ClientIP: '192.0.2.7', ClientRequestHost: 'shop.example.com', ClientRequestMethod: 'POST', ClientRequestPath: '/login', EdgeResponseStatus: 403, OriginResponseStatus: 0, RuleID: 'efb7b8c949ac4650a09736fc376e9aee', Source: 'firewallManaged', Description: 'Cloudflare Managed Ruleset: SQLi' };
    const ch = ev(parse(JSON.stringify({ ...base, Action: 'managedchallenge' })));
    expect(ch.denytrace.decision).toBe('deny');
    expect(ch.rule).toEqual({ id: 'efb7b8c949ac4650a09736fc376e9aee', name: 'Cloudflare Managed Ruleset: SQLi', ruleset: 'firewallManaged' });
    const log = ev(parse(JSON.stringify({ ...base, Action: 'log', EdgeResponseStatus: 200, OriginResponseStatus: 200 })));
    expect(log.denytrace.decision).toBe('pass');
    expect(log.denytrace.upstream_status).toBe(200);
    expect(log.denytrace.non_decisive).toEqual([{ id: 'efb7b8c949ac4650a09736fc376e9aee', ruleset: 'firewallManaged', action: 'log', effective: false }]);
  });

  it('unknown fields are kept in extra_fields (format drift)', () => {
    const e = ev(parse(JSON.stringify({ Datetime: '2024-05-01T10:00:00Z', RayID: '8a1b2c3d4e5f6a7b', Action: 'block', Source: 'waf', NewFieldFrom2030: 'x' })));
    expect(e.denytrace.extra_fields).toEqual({ NewFieldFrom2030: 'x' });
  });

  it('malformed input is a counted rejection, not a crash', () => {
    expect(parse('{"RayID":"8a1b2c3d4e5f6a7b","Action":"block"')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse('{"RayID":"8a1b2c3d4e5f6a7b","Action":"block","Datetime":"yesterday"}')).toMatchObject({ kind: 'reject', reason: 'invalid_timestamp' });
    expect(parse('{"Action":"block"}')).toMatchObject({ kind: 'reject', reason: 'missing_field' });
    expect(parse('{"RayID":"8a1b2c3d4e5f6a7b","Action":"block","Datetime":"2024-05-01T10:00:00Z","ClientIP":"999.1.1.1"}')).toMatchObject({ kind: 'reject', reason: 'invalid_ip' });
    expect(parse('[1,2]')).toMatchObject({ kind: 'reject', reason: 'invalid_json' });
    expect(parse('   ')).toEqual({ kind: 'skip' });
  });
});
