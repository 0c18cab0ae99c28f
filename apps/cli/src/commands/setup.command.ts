import type { Command } from 'commander';
import { loadConfig } from '@denytrace/config';
import { ElasticsearchEventStore } from '@denytrace/store';

/**
 * `denytrace setup`: installs the Elasticsearch store's ILM policies, component and index templates,
 * the events data stream and the single indices (libs/store/src/elasticsearch/es-setup.ts),
 * idempotently; the services do the same at start. With the SQLite store there is nothing to set up
 * (its schema is made when the store opens), which it says.
 */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .summary('install the Elasticsearch templates, ILM policies, data stream and indices (safe to run again)')
    .description('With STORE=elasticsearch: connects to ELASTICSEARCH_URL (retrying a few times while it does not answer) and installs, or updates in place, everything the store needs for ELASTICSEARCH_NAMESPACE. Running it again changes nothing. With the SQLite store there is nothing to install.')
    .addHelpText('after', '\nExamples:\n  STORE=elasticsearch ELASTICSEARCH_URL=https://localhost:9200 ELASTICSEARCH_API_KEY=… denytrace setup')
    .action(async () => {
      const config = loadConfig();
      const es = config.elasticsearch;
      if (config.store !== 'elasticsearch' || !es) {
        process.stdout.write(`nothing to set up: the store is SQLite in ${config.dataDir} (its schema is made when it opens); set STORE=elasticsearch to use Elasticsearch\n`);
        return;
      }
      const store = await ElasticsearchEventStore.open({
        node: es.url, apiKey: es.apiKey, username: es.username, password: es.password, caCertPath: es.caCertPath, namespace: es.namespace,
        days: { eventsDays: es.eventsRetentionDays, verdictsDays: es.verdictsRetentionDays },
        startup: { onRetry: (line) => process.stderr.write(`denytrace: ${line}\n`) },
      });
      const n = store.names;
      await store.close();
      process.stdout.write([
        `installed for namespace ${n.namespace}:`,
        `  data stream   ${n.events} (ILM ${n.eventsPolicy}: rollover daily or at 50 GB per primary shard, delete after ${es.eventsRetentionDays} d)`,
        `  verdicts      ${n.tracesPattern} (ILM ${n.verdictsPolicy}: kept at least ${es.verdictsRetentionDays} d)`,
        `  counters      ${n.countersPattern}, ${n.dimensionsPattern} (ILM ${n.verdictsPolicy})`,
        `  deliveries    ${n.deliveriesPattern} (ILM ${n.verdictsPolicy})`,
        `  indices       ${n.windows}, ${n.quarantine}, ${n.files}, ${n.deploys}, ${n.spikes}, ${n.webhooks}, ${n.notifications}`,
        '',
      ].join('\n'));
    });
}
