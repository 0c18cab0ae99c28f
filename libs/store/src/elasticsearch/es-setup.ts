/**
 * Index templates, ILM policies and indices of the Elasticsearch store, installed idempotently (at
 * every start and by `denytrace setup`): every PUT replaces the same definition, and an index or
 * data stream that already exists is kept (its mapping is updated instead).
 *
 * - Composable index templates built from component templates
 *   (https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html): one
 *   `@mappings` component per document kind (shared by namespaces) and one `@settings` component
 *   per namespace (its ILM policy). Priority 200: above the built-in `logs` template (priority 100,
 *   `logs-*-*`), which would otherwise claim `logs-denytrace.events-*`.
 * - ILM (https://www.elastic.co/guide/en/elasticsearch/reference/current/index-lifecycle-management.html):
 *   events roll over daily or at 50 GB per primary shard and are deleted `eventsRetentionDays`
 *   after rollover; monthly verdict and counter indices take their origination date from their
 *   name (`…-YYYY.MM.01`) and are deleted `verdictsRetentionDays + 31` days after it, so every
 *   verdict is kept at least `verdictsRetentionDays`. Dimension counters and the webhook delivery
 *   log use the same monthly layout and policy.
 * - Deploys, spikes, webhooks and notification claims are single indices without ILM (a delete
 *   phase would drop the whole index): they hold one document per deploy, incident and
 *   subscription, and are kept until deleted by hand.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { isErrorType, storeErrorOf } from './es-errors';
import {
  COUNTER_MAPPINGS, DELIVERY_MAPPINGS, DEPLOY_MAPPINGS, DIMENSION_MAPPINGS, EVENT_MAPPINGS, FILE_MAPPINGS, NOTIFICATION_MAPPINGS,
  QUARANTINE_MAPPINGS, SPIKE_MAPPINGS, VERDICT_MAPPINGS, WEBHOOK_MAPPINGS, WINDOW_MAPPINGS,
} from './es-mappings';
import type { EsNames } from './es-names';

/** Retention in days (whole days ≥ 1). Verdicts must be kept at least as long as events. */
export interface EsRetention {
  eventsDays: number;
  verdictsDays: number;
}

const META = { managed_by: 'denytrace', description: 'see libs/store/src/elasticsearch/es-setup.ts' };

/** The ILM policy bodies, by policy name. */
export function ilmPolicies(n: EsNames, r: EsRetention): Record<string, estypes.IlmPolicy> {
  return {
    [n.eventsPolicy]: {
      _meta: META,
      phases: {
        hot: { actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
        delete: { min_age: `${r.eventsDays}d`, actions: { delete: {} } },
      },
    },
    [n.verdictsPolicy]: {
      _meta: META,
      phases: { delete: { min_age: `${r.verdictsDays + 31}d`, actions: { delete: {} } } },
    },
  };
}

/** The component templates, by name. */
export function componentTemplates(n: EsNames): Record<string, estypes.IndicesIndexState> {
  return {
    'denytrace-events@mappings': { mappings: EVENT_MAPPINGS },
    'denytrace-verdicts@mappings': { mappings: VERDICT_MAPPINGS },
    'denytrace-counters@mappings': { mappings: COUNTER_MAPPINGS },
    'denytrace-dimensions@mappings': { mappings: DIMENSION_MAPPINGS },
    'denytrace-deliveries@mappings': { mappings: DELIVERY_MAPPINGS },
    [`denytrace-${n.namespace}-events@settings`]: { settings: { index: { lifecycle: { name: n.eventsPolicy } } } },
    [`denytrace-${n.namespace}-verdicts@settings`]: {
      settings: { index: { lifecycle: { name: n.verdictsPolicy, parse_origination_date: true } } },
    },
  };
}

/** The composable index templates, by name. */
export function indexTemplates(n: EsNames): Record<string, estypes.IndicesPutIndexTemplateRequest> {
  const ns = n.namespace;
  /** A template of monthly indices kept like the verdicts. */
  const monthly = (kind: string, pattern: string): estypes.IndicesPutIndexTemplateRequest => ({
    name: `denytrace-${ns}-${kind}`,
    index_patterns: [pattern],
    composed_of: [`denytrace-${kind}@mappings`, `denytrace-${ns}-verdicts@settings`],
    priority: 200,
    _meta: META,
  });
  return {
    [`denytrace-${ns}-events`]: {
      name: `denytrace-${ns}-events`,
      index_patterns: [n.events],
      data_stream: {},
      composed_of: ['denytrace-events@mappings', `denytrace-${ns}-events@settings`],
      priority: 200,
      _meta: META,
    },
    [`denytrace-${ns}-verdicts`]: {
      name: `denytrace-${ns}-verdicts`,
      index_patterns: [n.tracesPattern],
      composed_of: ['denytrace-verdicts@mappings', `denytrace-${ns}-verdicts@settings`],
      priority: 200,
      _meta: META,
    },
    [`denytrace-${ns}-counters`]: {
      name: `denytrace-${ns}-counters`,
      index_patterns: [n.countersPattern],
      composed_of: ['denytrace-counters@mappings', `denytrace-${ns}-verdicts@settings`],
      priority: 200,
      _meta: META,
    },
    [`denytrace-${ns}-dimensions`]: monthly('dimensions', n.dimensionsPattern),
    [`denytrace-${ns}-deliveries`]: monthly('deliveries', n.deliveriesPattern),
  };
}

/**
 * The single indices, by name. `windows` has one primary shard on purpose: its `_seq_no` then
 * orders every window operation of the namespace (es-windows.ts relies on it).
 */
export function plainIndices(n: EsNames): Record<string, { mappings: estypes.MappingTypeMapping; settings: estypes.IndicesIndexSettings }> {
  return {
    [n.windows]: { mappings: WINDOW_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.quarantine]: { mappings: QUARANTINE_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.files]: { mappings: FILE_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.deploys]: { mappings: DEPLOY_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.spikes]: { mappings: SPIKE_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.webhooks]: { mappings: WEBHOOK_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
    [n.notifications]: { mappings: NOTIFICATION_MAPPINGS, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' } },
  };
}

/**
 * Installs policies, component and index templates, the events data stream and the single indices,
 * in that order (a template must exist before what it shapes). Safe to run any number of times.
 * @throws StoreError (`unavailable` when the cluster cannot be reached or refuses the credentials).
 */
export async function installEsResources(client: Client, n: EsNames, r: EsRetention): Promise<void> {
  const step = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      throw storeErrorOf(err, `setup ${what}`);
    }
  };
  for (const [name, policy] of Object.entries(ilmPolicies(n, r))) await step(`ILM policy ${name}`, () => client.ilm.putLifecycle({ name, policy }));
  for (const [name, template] of Object.entries(componentTemplates(n))) {
    await step(`component template ${name}`, () => client.cluster.putComponentTemplate({ name, template, _meta: META }));
  }
  for (const [name, t] of Object.entries(indexTemplates(n))) await step(`index template ${name}`, () => client.indices.putIndexTemplate(t));
  await step(`data stream ${n.events}`, async () => {
    try {
      await client.indices.createDataStream({ name: n.events });
    } catch (err) {
      if (!isErrorType(err, 'resource_already_exists_exception')) throw err;
    }
  });
  for (const [index, body] of Object.entries(plainIndices(n))) {
    await step(`index ${index}`, async () => {
      try {
        await client.indices.create({ index, mappings: body.mappings, settings: body.settings });
      } catch (err) {
        if (!isErrorType(err, 'resource_already_exists_exception')) throw err;
        await client.indices.putMapping({ index, ...body.mappings });
      }
    });
  }
}
