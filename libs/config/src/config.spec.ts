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
