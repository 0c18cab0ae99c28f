import { mockClient } from './es-mock.testing';
import { ElasticsearchEventStore } from './elasticsearch-event.store';
import { StoreError } from '../store-error';
import { errors } from '@elastic/elasticsearch';

/** Setup and start-up: the exact templates and policies sent, idempotence, and a cluster that is down. */
describe('Elasticsearch store setup (request bodies over @elastic/elasticsearch-mock)', () => {
  const ok = () => ({ acknowledged: true });

  it('installs policies, component templates, index templates, the data stream and the indices, in that order', async () => {
    const { client, calls } = mockClient(ok);
    const store = await ElasticsearchEventStore.open({ node: 'http://es:9200', client, namespace: 'prod', days: { eventsDays: 7, verdictsDays: 90 } });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /',
      'PUT /_ilm/policy/denytrace-prod-events',
      'PUT /_ilm/policy/denytrace-prod-verdicts',
      'PUT /_component_template/denytrace-events@mappings',
      'PUT /_component_template/denytrace-verdicts@mappings',
      'PUT /_component_template/denytrace-counters@mappings',
      'PUT /_component_template/denytrace-dimensions@mappings',
      'PUT /_component_template/denytrace-deliveries@mappings',
      'PUT /_component_template/denytrace-prod-events@settings',
      'PUT /_component_template/denytrace-prod-verdicts@settings',
      'PUT /_index_template/denytrace-prod-events',
      'PUT /_index_template/denytrace-prod-verdicts',
      'PUT /_index_template/denytrace-prod-counters',
      'PUT /_index_template/denytrace-prod-dimensions',
      'PUT /_index_template/denytrace-prod-deliveries',
      'PUT /_data_stream/logs-denytrace.events-prod',
      'PUT /denytrace-prod-windows',
      'PUT /denytrace-prod-quarantine',
      'PUT /denytrace-prod-files',
      'PUT /denytrace-prod-deploys',
      'PUT /denytrace-prod-spikes',
      'PUT /denytrace-prod-webhooks',
      'PUT /denytrace-prod-notifications',
    ]);
    const body = (path: string) => calls.find((c) => c.path === path)!.body;
    // Events: rollover daily or at 50 GB per primary shard, deleted 7 days after rollover.
    expect(body('/_ilm/policy/denytrace-prod-events').policy.phases).toEqual({
      hot: { actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
      delete: { min_age: '7d', actions: { delete: {} } },
    });
    // Verdicts: monthly indices dated by name, so 90 days kept means deleted 90 + 31 days after the month began.
    expect(body('/_ilm/policy/denytrace-prod-verdicts').policy.phases).toEqual({ delete: { min_age: '121d', actions: { delete: {} } } });
    expect(body('/_index_template/denytrace-prod-events')).toEqual({
      index_patterns: ['logs-denytrace.events-prod'], data_stream: {}, priority: 200,
      composed_of: ['denytrace-events@mappings', 'denytrace-prod-events@settings'],
      _meta: { managed_by: 'denytrace', description: 'see libs/store/src/elasticsearch/es-setup.ts' },
    });
    expect(body('/_component_template/denytrace-prod-verdicts@settings').template.settings).toEqual({ index: { lifecycle: { name: 'denytrace-prod-verdicts', parse_origination_date: true } } });
    const events = body('/_component_template/denytrace-events@mappings').template.mappings;
    expect(events.dynamic).toBe(false);
    expect(events.properties['@timestamp']).toEqual({ type: 'date' });
    expect(events.properties.event.properties.id).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(events.properties.event.properties.original).toEqual({ type: 'keyword', index: false, doc_values: false });
    expect(events.properties.source.properties.ip).toEqual({ type: 'ip', ignore_malformed: true });
    expect(events.properties.source.properties.geo.properties.location).toEqual({ type: 'geo_point' });
    expect(events.properties.denytrace.properties.correlation_ids).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(body('/_component_template/denytrace-verdicts@mappings').template.mappings.properties.events).toEqual({ type: 'object', enabled: false });
    expect(body('/denytrace-prod-windows').settings).toEqual({ number_of_shards: 1, auto_expand_replicas: '0-1' });
    // Dimension counters and the delivery log: monthly indices dated by name, kept like the verdicts.
    for (const kind of ['dimensions', 'deliveries']) {
      expect(body(`/_index_template/denytrace-prod-${kind}`)).toEqual({
        index_patterns: [`denytrace-prod-${kind}-*`], priority: 200,
        composed_of: [`denytrace-${kind}@mappings`, 'denytrace-prod-verdicts@settings'],
        _meta: { managed_by: 'denytrace', description: 'see libs/store/src/elasticsearch/es-setup.ts' },
      });
    }
    const dims = body('/_component_template/denytrace-dimensions@mappings').template.mappings;
    expect(dims).toEqual({
      dynamic: false,
      properties: {
        bucket: { type: 'date' }, dataset: { type: 'keyword', ignore_above: 1024 }, dimension: { type: 'keyword', ignore_above: 1024 },
        value: { type: 'keyword', ignore_above: 1024 }, method_class: { type: 'keyword', ignore_above: 1024 }, count: { type: 'long' }, ok: { type: 'long' },
      },
    });
    // Deploys, spikes, webhooks, claims: single one-shard indices without ILM; ids keyword, times dates, secrets never indexed.
    const spikes = body('/denytrace-prod-spikes');
    expect(spikes.settings).toEqual({ number_of_shards: 1, auto_expand_replicas: '0-1' });
    expect(spikes.settings.index?.lifecycle).toBeUndefined();
    expect([spikes.mappings.properties.id, spikes.mappings.properties.start, spikes.mappings.properties.end]).toEqual([{ type: 'keyword', ignore_above: 1024 }, { type: 'date' }, { type: 'date' }]);
    expect(body('/denytrace-prod-deploys').mappings.properties.started_at).toEqual({ type: 'date' });
    expect(body('/denytrace-prod-webhooks').mappings.properties.secret).toEqual({ type: 'keyword', index: false, doc_values: false });
    expect(body('/denytrace-prod-notifications').mappings).toEqual({
      dynamic: false, properties: { spike_id: { type: 'keyword', ignore_above: 1024 }, webhook_id: { type: 'keyword', ignore_above: 1024 }, state: { type: 'keyword', ignore_above: 1024 } },
    });
    await store.close();
  });

  it('is idempotent: an existing data stream and existing indices are kept, their mappings updated', async () => {
    const exists = (type: string) => new errors.ResponseError({ body: { error: { type, reason: 'exists' }, status: 400 }, statusCode: 400, headers: {}, warnings: null, meta: {} as never });
    const { client, calls } = mockClient((c) => (c.method === 'PUT' && (c.path.startsWith('/_data_stream/') || /^\/denytrace-prod-(windows|quarantine|files|deploys|spikes|webhooks|notifications)$/.test(c.path)) ? exists('resource_already_exists_exception') : ok()));
    const store = await ElasticsearchEventStore.open({ node: 'http://es:9200', client, namespace: 'prod' });
    expect(calls.filter((c) => c.path.endsWith('/_mapping')).map((c) => `${c.method} ${c.path}`)).toEqual([
      'PUT /denytrace-prod-windows/_mapping', 'PUT /denytrace-prod-quarantine/_mapping', 'PUT /denytrace-prod-files/_mapping',
      'PUT /denytrace-prod-deploys/_mapping', 'PUT /denytrace-prod-spikes/_mapping', 'PUT /denytrace-prod-webhooks/_mapping', 'PUT /denytrace-prod-notifications/_mapping',
    ]);
    expect(calls.find((c) => c.path === '/denytrace-prod-windows/_mapping')!.body.properties.stale).toEqual({ type: 'boolean' });
    await store.close();
  });

  it('retries a cluster that is down with backoff, then fails in one line naming the URL without its password', async () => {
    const { client, calls } = mockClient(ok);
    const down = new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200');
    // Every call, `GET /` included, fails to connect.
    const info = jest.spyOn(client, 'info').mockRejectedValue(down);
    const lines: string[] = [];
    const err = await ElasticsearchEventStore.open({ node: 'http://elastic:s3cret@es:9200', client, startup: { attempts: 3, firstDelayMs: 1, onRetry: (l) => lines.push(l) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('unavailable');
    expect((err as StoreError).message).toBe('Elasticsearch at http://es:9200: Elasticsearch unreachable (ConnectionError: connect ECONNREFUSED 127.0.0.1:9200) (gave up after 3 attempts)');
    expect((err as StoreError).message).not.toContain('\n');
    expect(info).toHaveBeenCalledTimes(3);
    expect(lines).toEqual([
      'Elasticsearch at http://es:9200: Elasticsearch unreachable (ConnectionError: connect ECONNREFUSED 127.0.0.1:9200); retrying in 0 s (attempt 2 of 3)',
      'Elasticsearch at http://es:9200: Elasticsearch unreachable (ConnectionError: connect ECONNREFUSED 127.0.0.1:9200); retrying in 0 s (attempt 3 of 3)',
    ]);
    expect(calls).toEqual([]); // nothing was installed
  });

  it('does not retry refused credentials', async () => {
    const { client } = mockClient(ok);
    const refused = new errors.ResponseError({ body: { error: { type: 'security_exception', reason: 'unable to authenticate user [elastic]' }, status: 401 }, statusCode: 401, headers: {}, warnings: null, meta: {} as never });
    const info = jest.spyOn(client, 'info').mockRejectedValue(refused);
    await expect(ElasticsearchEventStore.open({ node: 'http://es:9200', client, startup: { attempts: 5, firstDelayMs: 1 } })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('refused the credentials') });
    expect(info).toHaveBeenCalledTimes(1);
  });

  it('refuses a namespace that is not a data stream namespace before connecting', async () => {
    const { client, calls } = mockClient(ok);
    await expect(ElasticsearchEventStore.open({ node: 'http://es:9200', client, namespace: 'Prod-EU' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(calls).toEqual([]);
  });
});
