import type { DenytraceConfig, ElasticsearchConfig } from '@denytrace/config';
import type { EventStore, Retention } from './event-store';
import { ElasticsearchEventStore } from './elasticsearch/elasticsearch-event.store';
import { SqliteEventStore } from './sqlite/sqlite-event.store';

/** Options of {@link openStore}. The caller resolves the default data dir (config), not the store. */
export interface OpenStoreOptions {
  /** Directory holding the embedded store's `events.db`; created when missing. */
  dataDir: string;
  /** `refusals` (default) keeps only events with a refusal mark; `all` keeps every event. */
  retention?: Retention;
  /** `sqlite` (default) or `elasticsearch` (then `elasticsearch` is required). */
  store?: 'sqlite' | 'elasticsearch';
  elasticsearch?: ElasticsearchConfig;
  /** Told one line per failed connection attempt while Elasticsearch does not answer at start. */
  onRetry?: (line: string) => void;
  /** Install Elasticsearch templates and policies at open (default true). */
  setup?: boolean;
}

/**
 * Opens the store chosen by `store` (DESIGN.md "Storage"): the embedded SQLite store at
 * `<dataDir>/events.db`, or Elasticsearch (connect with bounded retries, then install templates
 * and policies idempotently).
 * Throws `StoreError`: naming the path when the directory is unusable or the file is corrupt;
 * `unavailable` in one line when Elasticsearch stays unreachable or refuses the credentials.
 */
export async function openStore(options: OpenStoreOptions): Promise<EventStore> {
  const retention = options.retention ?? 'refusals';
  if (options.store === 'elasticsearch') {
    const es = options.elasticsearch;
    if (!es) throw new Error('openStore: store "elasticsearch" needs the elasticsearch settings (loadConfig gives them)');
    return ElasticsearchEventStore.open({
      node: es.url, apiKey: es.apiKey, username: es.username, password: es.password, caCertPath: es.caCertPath,
      namespace: es.namespace, retention, days: { eventsDays: es.eventsRetentionDays, verdictsDays: es.verdictsRetentionDays },
      setup: options.setup, startup: { onRetry: options.onRetry },
    });
  }
  return SqliteEventStore.open({ dataDir: options.dataDir, retention });
}

/** {@link openStore} with everything taken from the validated configuration. */
export async function openConfiguredStore(config: DenytraceConfig, extra: Pick<OpenStoreOptions, 'onRetry' | 'setup'> = {}): Promise<EventStore> {
  return openStore({ dataDir: config.dataDir, retention: config.retention, store: config.store, elasticsearch: config.elasticsearch, ...extra });
}
