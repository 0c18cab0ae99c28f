import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ipaddr from 'ipaddr.js';
import { replaySpikes } from '@denytrace/detection';
import type { Spike } from '@denytrace/schema';
import { ingestAndDecide, S1, S1_LOGS } from './s1-helpers';

/** One incident of s1 (truth/incidents.json), labelled by the scenario's generator. */
interface Incident {
  id: string;
  kind: string;
  dimension: string;
  value: string;
  should_alert: boolean;
  emitting_layer: string;
  rule_id?: string;
  rule_ids?: string[];
  deploy?: { service: string; version: string };
  first_403_at: string;
  last_403_at: string;
}

const incidents = JSON.parse(readFileSync(join(S1, 'truth', 'incidents.json'), 'utf8')) as Incident[];
const alerting = incidents.filter((i) => i.should_alert);

/** Whether a spike names this incident: same kind and value (a CIDR value: the same network). */
function names(s: Spike, i: Incident): boolean {
  if (s.kind !== i.kind) return false;
  if (i.kind === 'source_network_block') return sameCidr(s.value, i.value);
  return s.value === i.value;
}

function sameCidr(a: string, b: string): boolean {
  const [x, xl] = ipaddr.parseCIDR(a);
  const [y, yl] = ipaddr.parseCIDR(b);
  return xl === yl && x.toString() === y.toString();
}

const seconds = (a: string, b: string) => (Date.parse(a) - Date.parse(b)) / 1000;

describe.each([
  ['the issue\'s command: logs and deploys, no network table', false],
  ['with the scenario\'s network table', true],
])('s1 spikes, %s', (_label, geoip) => {
  let spikes: Spike[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    const r = await ingestAndDecide([...S1_LOGS.map((f) => join(S1, f)), join(S1, 'deploys.jsonl')], { geoip });
    close = r.close;
    spikes = await replaySpikes(r.store);
  }, 180_000);
  afterAll(async () => close?.());

  it.each(alerting.map((i) => [i.id, i] as const))('incident %s: one spike of its kind and value, detected within 2 minutes of its first 403', (_id, inc) => {
    const found = spikes.filter((s) => names(s, inc));
    expect(found).toHaveLength(1);
    const s = found[0]!;
    expect(seconds(s.detected_at, inc.first_403_at)).toBeLessThanOrEqual(120);
    expect(Math.abs(seconds(s.start, inc.first_403_at))).toBeLessThanOrEqual(60);
    expect(s.status).toBe('resolved');
    expect(Math.abs(seconds(s.end!, inc.last_403_at))).toBeLessThanOrEqual(60);
    expect(s.top_emitter.layer).toBe(inc.emitting_layer);
    expect([inc.rule_id, ...(inc.rule_ids ?? [])]).toContain(s.top_emitter.rule_id);
    if (inc.deploy) expect(s.deploy).toMatchObject({ service: inc.deploy.service, version: inc.deploy.version });
  });

  it('no other spike: the blip (d) and the background (scanners, rate limits, geo restriction) never fire', () => {
    const unmatched = spikes.filter((s) => !alerting.some((i) => names(s, i)));
    expect(unmatched.map((s) => s.summary)).toEqual([]);
    // precision and recall, as the issue asks
    const tp = alerting.filter((i) => spikes.some((s) => names(s, i))).length;
    expect({ precision: tp / spikes.length, recall: tp / alerting.length }).toEqual({ precision: 1, recall: 1 });
  });
});
