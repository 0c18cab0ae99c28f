import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig({ HOME: '/home/u' });
    expect(c).toMatchObject({ dataDir: '/home/u/.local/share/denytrace', retention: 'refusals', maxLineBytes: 65536, geoipPath: undefined, nginxLogFormat: undefined, logLevel: 'info' });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', redisUrl: 'redis://127.0.0.1:6379', queuePrefix: 'denytrace', apiKeys: [], workerConcurrency: 2, watch: [] });
  });

  it('prefers DENYTRACE_DATA_DIR, then XDG_DATA_HOME', () => {
    expect(loadConfig({ HOME: '/h', XDG_DATA_HOME: '/x' }).dataDir).toBe('/x/denytrace');
    expect(loadConfig({ HOME: '/h', DENYTRACE_DATA_DIR: '/d' }).dataDir).toBe('/d');
  });

  it('lists every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ DENYTRACE_RETENTION: 'some', DENYTRACE_MAX_LINE_BYTES: 'lots' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DENYTRACE_RETENTION/);
    expect(problems).toMatch(/DENYTRACE_MAX_LINE_BYTES/);
  });
});

describe('API keys', () => {
  it('reads role:key pairs', () => {
    const c = loadConfig({ HOME: '/h', DENYTRACE_API_KEYS: 'reader:rrrrrrrrrrrrrrrrrr, admin:aaaaaaaaaaaaaaaaaaaa' });
    expect(c.apiKeys).toEqual([{ role: 'reader', key: 'rrrrrrrrrrrrrrrrrr' }, { role: 'admin', key: 'aaaaaaaaaaaaaaaaaaaa' }]);
  });

  it('names bad entries without echoing keys, and refuses an open API on a public address', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ HOME: '/h', DENYTRACE_API_KEYS: 'root:secretsecretsecret,reader:short', HOST: '0.0.0.0' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.join('\n')).toMatch(/entry 1 must be role:key/);
    expect(err?.problems.join('\n')).toMatch(/entry 2 \(reader\) has a key shorter/);
    expect(err?.problems.join('\n')).toMatch(/HOST: binding 0.0.0.0 needs DENYTRACE_API_KEYS/);
    expect(err?.message).not.toMatch(/secretsecret/);
  });
});

describe('store selection', () => {
  it('defaults to the embedded SQLite store', () => {
    expect(loadConfig({ HOME: '/h' })).toMatchObject({ store: 'sqlite', elasticsearch: undefined });
  });

  it('reads the Elasticsearch connection, namespace and retention', () => {
    const c = loadConfig({ HOME: '/h', STORE: 'elasticsearch', ELASTICSEARCH_URL: 'https://es.internal:9200', ELASTICSEARCH_API_KEY: 'aWQ6a2V5', ELASTICSEARCH_NAMESPACE: 'prod_eu', DENYTRACE_EVENTS_RETENTION_DAYS: '14' });
    expect(c.store).toBe('elasticsearch');
    expect(c.elasticsearch).toEqual({
      url: 'https://es.internal:9200', apiKey: 'aWQ6a2V5', username: undefined, password: undefined, caCertPath: undefined,
      namespace: 'prod_eu', eventsRetentionDays: 14, verdictsRetentionDays: 180,
    });
  });

  it('rejects a namespace that is not a data stream namespace (checked before the cross-variable rules)', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ HOME: '/h', STORE: 'elasticsearch', ELASTICSEARCH_PASSWORD: 'hunter2-secret', ELASTICSEARCH_NAMESPACE: 'Prod-EU', DENYTRACE_EVENTS_RETENTION_DAYS: '90', DENYTRACE_VERDICTS_RETENTION_DAYS: '30' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const all = err!.problems.join('\n');
    expect(all).toMatch(/ELASTICSEARCH_NAMESPACE/);
    expect(err!.problems).toHaveLength(1); // zod stops before the cross-field checks; fix the namespace and see the rest
  });

  it('names a missing URL, a half-given user and a retention shorter for verdicts than events', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ HOME: '/h', STORE: 'elasticsearch', ELASTICSEARCH_PASSWORD: 'hunter2-secret', DENYTRACE_EVENTS_RETENTION_DAYS: '90', DENYTRACE_VERDICTS_RETENTION_DAYS: '30' });
    } catch (e) {
      err = e as ConfigError;
    }
    const all = err!.problems.join('\n');
    expect(all).toMatch(/ELASTICSEARCH_URL: needed with STORE=elasticsearch/);
    expect(all).toMatch(/ELASTICSEARCH_USERNAME: needed with ELASTICSEARCH_PASSWORD/);
    expect(all).toMatch(/DENYTRACE_VERDICTS_RETENTION_DAYS: must be at least/);
    expect(err!.message).not.toMatch(/hunter2/);
  });
});

describe('GitHub deploy webhook secret', () => {
  it('is off when unset and read as given when set', () => {
    expect(loadConfig({ HOME: '/h' }).githubWebhookSecret).toBeUndefined();
    expect(loadConfig({ HOME: '/h', DENYTRACE_GITHUB_WEBHOOK_SECRET: 'gh-secret-0123456789' }).githubWebhookSecret).toBe('gh-secret-0123456789');
  });

  it('refuses a short secret without echoing it', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ HOME: '/h', DENYTRACE_GITHUB_WEBHOOK_SECRET: 'hunter2' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.problems).toEqual([expect.stringMatching(/^DENYTRACE_GITHUB_WEBHOOK_SECRET: must be at least 16 characters/)]);
    expect(err?.message).not.toMatch(/hunter2/);
  });
});
