/**
 * The shared `EventStore` contract (store.suite.ts), run against every backend from this one file:
 * SQLite always; Elasticsearch when `ELASTICSEARCH_URL` is set (with `ELASTICSEARCH_API_KEY` or
 * `ELASTICSEARCH_USERNAME`/`ELASTICSEARCH_PASSWORD`, and `ELASTICSEARCH_CA_CERT` as the services
 * read them). Each Elasticsearch store gets its own namespace `t<run>_<n>`, removed after the run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@denytrace/config';
import { ElasticsearchEventStore } from './elasticsearch/elasticsearch-event.store';
import { openStore } from './open-store';
import { describeEventStore } from './store.suite';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeEventStore('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'denytrace-store-'));
  tempDirs.push(dir);
  return openStore({ dataDir: path.join(dir, 'data') });
});

const esUrl = process.env.ELASTICSEARCH_URL;
if (esUrl) {
  const es = loadConfig({ ...process.env, STORE: 'elasticsearch' }).elasticsearch!;
  const run = `t${Date.now().toString(36)}`;
  const namespaces: string[] = [];
  const open = (namespace: string) => ElasticsearchEventStore.open({
    node: es.url, apiKey: es.apiKey, username: es.username, password: es.password, caCertPath: es.caCertPath, namespace, startup: { attempts: 2, firstDelayMs: 500 },
  });
  describeEventStore('elasticsearch', async () => {
    const namespace = `${run}_${namespaces.length}`;
    namespaces.push(namespace);
    return open(namespace);
  });
  afterAll(async () => {
    if (namespaces.length === 0) return;
    const store = await open(namespaces[0]);
    const c = store.client;
    await c.indices.deleteDataStream({ name: `logs-denytrace.events-${run}_*` }).catch(() => undefined);
    await c.indices.delete({ index: `denytrace-${run}_*`, expand_wildcards: 'all' }).catch(() => undefined);
    await c.indices.deleteIndexTemplate({ name: `denytrace-${run}_*` }).catch(() => undefined);
    await c.cluster.deleteComponentTemplate({ name: `denytrace-${run}_*` }).catch(() => undefined);
    for (const ns of namespaces) for (const kind of ['events', 'verdicts']) await c.ilm.deleteLifecycle({ name: `denytrace-${ns}-${kind}` }).catch(() => undefined);
    await store.close();
  });
} else {
  process.stderr.write('event-store.spec: the Elasticsearch store contract is skipped: set ELASTICSEARCH_URL (and ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD) to run it live\n');
  describe('EventStore contract: elasticsearch', () => {
    it.skip('needs ELASTICSEARCH_URL', () => undefined);
  });
}
