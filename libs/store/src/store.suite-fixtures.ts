/** Hand-built events, verdicts and counters for the shared store suite; times relative to {@link T0}. */
import { eventId, type DenyEvent, type Layer, type Verdict } from '@denytrace/schema';
import type { CounterRow } from './event-store';

/** 2024-03-12T14:00:00.000Z, the start of every test's timeline, epoch ms. */
export const T0 = Date.UTC(2024, 2, 12, 14, 0, 0);
export const MIN = 60_000;
/** ISO-8601 UTC with ms of `T0 + offsetMs`. */
export const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/** What a suite event may vary; everything else is a fixed WAF-style block. */
export interface EventSpec {
  n: number;
  offsetMs?: number;
  ids?: string[];
  status?: number;
  dataset?: string;
  layer?: Layer;
  ruleId?: string;
}

/** A `DenyEvent` with a refusal mark (403 / block by default), its `event.id` from `eventId` over a made-up raw line. */
export function suiteEvent(s: EventSpec): DenyEvent {
  const dataset = s.dataset ?? 'aws.waf';
  const raw = `suite line ${s.n} ${dataset}`;
  return {
    '@timestamp': at(s.offsetMs ?? s.n * 1000),
    event: { dataset, id: eventId(dataset, raw), action: 'block', outcome: 'failure', original: raw },
    observer: { type: 'waf', vendor: 'AWS', product: 'WAF', name: 'suite-acl' },
    http: { request: { id: `req-${s.n}`, method: 'POST' }, response: { status_code: s.status ?? 403 } },
    url: { domain: 'shop.example.com', path: `/cart/${s.n}` },
    source: { ip: '203.0.113.50', geo: { country_iso_code: 'DE' } },
    rule: { id: s.ruleId ?? 'AWS-AWSManagedRulesCommonRuleSet', name: 'CrossSiteScripting_BODY' },
    denytrace: {
      layer: s.layer ?? 'waf', component: 'aws-waf', hop: 10, decision: 'deny',
      correlation_ids: s.ids ?? [`xrid:suite-${s.n}`],
    },
  };
}

/** What a suite verdict may vary. */
export interface VerdictSpec {
  traceId: string;
  firstSeenMs: number;
  ids?: string[];
  status?: number | null;
  layer?: Layer | null;
  ruleId?: string | null;
}

/** A complete `Verdict` built from the spec. */
export function suiteVerdict(s: VerdictSpec): Verdict {
  const layer = s.layer === undefined ? 'waf' : s.layer;
  const ruleId = s.ruleId === undefined ? 'GeoBlock' : s.ruleId;
  return {
    trace_id: s.traceId,
    correlation_ids: s.ids ?? [`xrid:${s.traceId}`],
    status: s.status === undefined ? 403 : s.status,
    emitting_layer: layer,
    emitter: layer ? { event: { dataset: 'aws.waf' }, component: 'aws-waf', observer: { type: 'waf', vendor: 'AWS', product: 'WAF' } } : null,
    decisive_rule: ruleId ? { id: ruleId, name: null, ruleset: null } : null,
    confidence: 0.9,
    confidence_label: 'high',
    missing_layers: [],
    join: 'single',
    explanation: [`${s.traceId}: refused`],
    flags: [],
    request: { method: 'GET', domain: 'shop.example.com', path: '/', query: null },
    client: { ip: '203.0.113.50', country: 'DE', region: null, network: null, organization: null },
    user: { id: null, roles: [], tenant: null },
    service: { name: null, version: null },
    first_seen: at(s.firstSeenMs),
    last_seen: at(s.firstSeenMs + 500),
    provisional: false,
    events: [],
  };
}

export function counter(minuteIndex: number, over: Partial<CounterRow> = {}): CounterRow {
  return { minute: T0 + minuteIndex * MIN, dataset: 'aws.waf', layer: 'waf', status: 403, method_class: 'read', country: 'DE', count: 1, ...over };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of it) out.push(e);
  return out;
}

export const ids = (events: DenyEvent[]): string[] => events.map((e) => e.event.id);
/** Counter totals in a stable order: the interface does not fix one. */
export const sorted = (rows: Array<Record<string, string | number>>) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

