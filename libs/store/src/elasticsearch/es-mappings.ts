/**
 * Mappings of the Elasticsearch store, ECS-compatible for events
 * (https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html): ids and codes are
 * `keyword`, `@timestamp` a millisecond `date`, `source.ip` an `ip`, `source.geo.location` a
 * `geo_point`, `event.original` kept in `_source` but neither indexed nor in doc values (ECS
 * defines it so), `denytrace.*` mapped field by field. Every mapping has `dynamic: false`: a field
 * not listed here is kept in `_source` (so documents read back whole) but never indexed, so a log
 * with odd keys cannot explode the mapping. `ip` fields use `ignore_malformed`: a bad address drops
 * the field from the index, not the event.
 */
import type { estypes } from '@elastic/elasticsearch';

type Props = Record<string, estypes.MappingProperty>;

const kw: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };
const long: estypes.MappingProperty = { type: 'long' };
const ip: estypes.MappingProperty = { type: 'ip', ignore_malformed: true };
const date: estypes.MappingProperty = { type: 'date' };
/** Kept for evidence only: in `_source`, not searchable, no doc values. */
const stored: estypes.MappingProperty = { type: 'keyword', index: false, doc_values: false };
const obj = (properties: Props): estypes.MappingProperty => ({ properties });

/** Mapping of one event (`DenyEvent`, libs/schema/src/event.ts). */
export const EVENT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    event: obj({ dataset: kw, id: kw, action: kw, outcome: kw, original: stored }),
    observer: obj({ type: kw, vendor: kw, product: kw, name: kw }),
    http: obj({
      request: obj({ id: kw, method: kw, referrer: kw, bytes: long }),
      response: obj({ status_code: long, bytes: long }),
      version: kw,
    }),
    url: obj({ domain: kw, path: kw, query: kw, original: { type: 'wildcard' }, scheme: kw, port: long }),
    source: obj({
      ip, port: long,
      geo: obj({ country_iso_code: kw, region_iso_code: kw, location: { type: 'geo_point' } }),
      as: obj({ number: long, organization: obj({ name: kw }) }),
    }),
    destination: obj({ ip, port: long }),
    user_agent: obj({ original: { type: 'keyword', ignore_above: 1024, fields: { text: { type: 'match_only_text' } } } }),
    user: obj({ id: kw, name: kw, roles: kw }),
    organization: obj({ id: kw }),
    rule: obj({ id: kw, name: kw, ruleset: kw, category: kw, description: kw }),
    service: obj({ name: kw, version: kw, environment: kw }),
    trace: obj({ id: kw }),
    tls: obj({ version: kw, cipher: kw }),
    denytrace: obj({
      layer: kw, component: kw, hop: { type: 'short' }, decision: kw, upstream_status: long,
      correlation_ids: kw, rule_type: kw, labels: kw, permission: kw,
      non_decisive: obj({ id: kw, ruleset: kw, action: kw, effective: { type: 'boolean' } }),
      extra_fields: { type: 'flattened' },
      refused_by: obj({ layer: kw, component: kw }),
      evidence: stored, match_key: kw, source_file: kw, line: long, tz_offset_minutes: { type: 'short' },
    }),
  },
};

/**
 * Mapping of one verdict (`Verdict`, libs/schema/src/verdict.ts) plus `@timestamp` (= first_seen,
 * for Kibana) and `denytrace.decision_seq` (which decision wrote it, see es-windows.ts); both are
 * removed when a verdict is read back. `events` and `explanation` are evidence: not indexed.
 */
export const VERDICT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    trace_id: kw, correlation_ids: kw, status: { type: 'short' }, emitting_layer: kw,
    emitter: obj({ event: obj({ dataset: kw }), component: kw, observer: obj({ type: kw, vendor: kw, product: kw, name: kw }) }),
    decisive_rule: obj({ id: kw, name: kw, ruleset: kw, type: kw }),
    confidence: { type: 'half_float' }, confidence_label: kw, missing_layers: kw, join: kw,
    explanation: stored, flags: kw,
    request: obj({ method: kw, domain: kw, path: kw, query: kw }),
    client: obj({ ip, country: kw, region: kw, network: kw, organization: kw }),
    user: obj({ id: kw, roles: kw, tenant: kw }),
    service: obj({ name: kw, version: kw }),
    first_seen: date, last_seen: date, provisional: { type: 'boolean' },
    events: { type: 'object', enabled: false },
    denytrace: obj({ decision_seq: long, window: date }),
  },
};

/** Per-minute counter rows (`CounterRow`); `minute` is the UTC minute, epoch ms. */
export const COUNTER_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { minute: date, dataset: kw, layer: kw, status: { type: 'short' }, method_class: kw, country: kw, count: long },
};

/** Re-decision windows: `window` epoch ms, versions, and `stale` (decided_version < version) for the sweep. */
export const WINDOW_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { window: date, version: long, decided_version: long, claimed_version: long, stale: { type: 'boolean' } },
};

/** Quarantined records; `raw` and `detail` are evidence only. `seq` orders rows of one call. */
export const QUARANTINE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { source_file: kw, line: long, reason: kw, detail: stored, raw: stored, rejected_at: date, seq: long, key: kw },
};

/** File state by fingerprint (the document id). */
export const FILE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { fingerprint: kw, path: kw, lines: long, bytes: long, format: kw, updated_at: date },
};

/**
 * Dimension counters (`DimensionCounterRow`, detection-store.ts): `bucket` is the 30 s bucket
 * start, epoch ms; `value` is a country, CIDR, route template, service, role or tenant.
 */
export const DIMENSION_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { bucket: date, dataset: kw, dimension: kw, value: kw, method_class: kw, count: long, ok: long },
};

/** Deploys (`Deploy`, libs/schema/src/deploy.ts), `_id` = deploy id; description and link are evidence only. */
export const DEPLOY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { id: kw, service: kw, version: kw, environment: kw, started_at: date, finished_at: date, description: stored, link: stored, source: kw },
};

/**
 * Spikes (`Spike`, libs/schema/src/spike.ts), `_id` = spike id. Only what `listSpikes` filters and
 * sorts on, and what Kibana users group by, is indexed; the rest (rates, series, samples) is read
 * back from `_source`. A firing spike has `end: null`, i.e. no indexed `end`.
 */
export const SPIKE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    id: kw, kind: kw, dimension: kw, value: kw, status: kw, start: date, end: date, detected_at: date, updated_at: date, last_elevated_at: date,
    magnitude: { type: 'float' }, denied: long, sources: long, service: kw, role: kw, route: kw, method_class: kw,
    top_emitter: obj({ layer: kw, component: kw, rule_id: kw }),
    summary: stored,
  },
};

/** Webhook subscriptions (`WebhookSubscription`), `_id` = webhook id; url and secret are never indexed. */
export const WEBHOOK_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { id: kw, url: stored, secret: stored, format: kw, kinds: kw, services: kw, created_at: date },
};

/** Notification claims: `state` is `firing_sent` or `resolved_sent` (es-webhooks.ts). */
export const NOTIFICATION_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { spike_id: kw, webhook_id: kw, state: kw },
};

/** The webhook delivery log (`DeliveryRecord`); `error` and `response_excerpt` are evidence only. */
export const DELIVERY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    id: kw, webhook_id: kw, spike_id: kw, event: kw, dedup_key: kw, attempt: { type: 'short' }, status_code: { type: 'short' },
    ok: { type: 'boolean' }, retryable: { type: 'boolean' }, duration_ms: long, error: stored, response_excerpt: stored, at: date,
  },
};
