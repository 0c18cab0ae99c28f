import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig({ HOME: '/home/u' });
    expect(c).toEqual({ dataDir: '/home/u/.local/share/denytrace', retention: 'refusals', maxLineBytes: 65536, geoipPath: undefined, nginxLogFormat: undefined, logLevel: 'info' });
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
