import { readFileSync } from 'node:fs';
import { correlate, coverageFromSpans } from '@denytrace/correlation';
import { albFormat, nginxFormat, type LogFormat } from '@denytrace/parsers';
import type { DenyEvent } from '@denytrace/schema';
import { sharedPath } from './shared-paths';

/** Multi-layer cases from ../shared/cases: each envelope line parsed by its format, then correlated. */
function parseEnvelopes(file: string, formats: Record<string, LogFormat>): DenyEvent[] {
  const lines = readFileSync(sharedPath('cases', file), 'utf8').trim().split('\n');
  return lines.map((l, i) => {
    const { source, line } = JSON.parse(l) as { source: string; line: string };
    const format = formats[source];
    const out = format.createParser({ sourceName: file }).parse(line, i + 1);
    if (out.kind !== 'event') throw new Error(`${file} envelope ${i + 1} (${source}): ${JSON.stringify(out)}`);
    return out.event;
  });
}

describe('C10: a zone offset ignored skews the layers by an hour', () => {
  const expected = JSON.parse(readFileSync(sharedPath('cases', 'C10.expected.json'), 'utf8'));
  const events = parseEnvelopes('C10.jsonl', { nginx_combined_plus_trace: nginxFormat, aws_alb: albFormat });

  it('applies the +0100 offset and reads the ALB instant to the microsecond', () => {
    expect(Date.parse(events[0]['@timestamp'])).toBe(Date.parse(expected.records[0].timestamp_utc));
    expect(Date.parse(events[1]['@timestamp'])).toBe(Date.parse('2019-01-02T09:00:00.051Z'));
    // Both carry the same trace key (the X-Ray Root as a 32-hex W3C id is 5c2c7d90…c5).
    const root = `xray:1-${expected.records[0].trace_key.slice(0, 8)}-${expected.records[0].trace_key.slice(8)}`;
    for (const e of events) expect(e.denytrace.correlation_ids).toContain(root);
  });

  it('joins the two layers with a 0.051 s skew and attributes the 403 to nginx', () => {
    const spans = [
      { component: 'alb', hop: 40, first: 0, last: Date.parse('2030-01-01') },
      { component: 'nginx', hop: 50, first: 0, last: Date.parse('2030-01-01') },
    ];
    const verdicts = correlate(events, { coverage: coverageFromSpans(spans) });
    expect(verdicts).toHaveLength(1);
    const [v] = verdicts;
    expect(expected.correlation.joined).toBe(true);
    expect(v.events).toHaveLength(2);
    const skew = (Date.parse(v.last_seen) - Date.parse(v.first_seen)) / 1000;
    expect(skew).toBeCloseTo(expected.correlation.skew_seconds, 3);
    expect(v.emitter?.component).toBe(expected.correlation.attribution.layer);
    expect(v.emitting_layer).toBe('gateway');
    expect(v.flags.some((f) => f.startsWith('clock_skew'))).toBe(false);
  });

  it('reports, rather than silently drops, an hour of skew when the offset is ignored', () => {
    // The wrong parse the case warns about: the nginx wall time read as UTC (10:00Z).
    const wrong = structuredClone(events[0]);
    wrong['@timestamp'] = '2019-01-02T10:00:00.000Z';
    const verdicts = correlate([wrong, events[1]]);
    // The id spans an hour: it is not trusted to join, and the verdicts say so.
    expect(verdicts.some((v) => v.flags.some((f) => f.includes('span_too_long')))).toBe(true);
  });
});
