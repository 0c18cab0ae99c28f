import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable denytrace reads, validated once at start. Nothing else reads
 * `process.env`.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `DENYTRACE_DATA_DIR` | where the embedded store lives | `$XDG_DATA_HOME/denytrace`, else `~/.local/share/denytrace` |
 * | `DENYTRACE_RETENTION` | `refusals` keeps in full only events with a refusal mark (plus per-minute counts of all); `all` keeps every event | `refusals` |
 * | `DENYTRACE_MAX_LINE_BYTES` | longest line read; longer ones are rejected as `line_too_long` | 65536 |
 * | `DENYTRACE_GEOIP` | network table CSV (`network,country_iso_code,region_iso_code,organization`) | none |
 * | `DENYTRACE_NGINX_LOG_FORMAT` | nginx `log_format` directive, or a file holding it | none (combined, with `key=value` extras recognised) |
 * | `DENYTRACE_LOG_LEVEL` | `fatal` `error` `warn` `info` `debug` `trace` `silent` | `info` |
 */
const schema = z.object({
  DENYTRACE_DATA_DIR: z.string().min(1).optional(),
  DENYTRACE_RETENTION: z.enum(['refusals', 'all']).default('refusals'),
  DENYTRACE_MAX_LINE_BYTES: z.coerce.number().int().min(256).max(64 * 1024 * 1024).default(65536),
  DENYTRACE_GEOIP: z.string().min(1).optional(),
  DENYTRACE_NGINX_LOG_FORMAT: z.string().min(1).optional(),
  DENYTRACE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  XDG_DATA_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

export interface DenytraceConfig {
  dataDir: string;
  retention: 'refusals' | 'all';
  maxLineBytes: number;
  geoipPath?: string;
  nginxLogFormat?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Thrown when one or more variables are invalid; `problems` lists every one, as `NAME: reason`. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment.
 * @throws ConfigError listing every bad variable at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DenytraceConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    dataDir: resolve(c.DENYTRACE_DATA_DIR ?? join(c.XDG_DATA_HOME ?? join(c.HOME ?? homedir(), '.local', 'share'), 'denytrace')),
    retention: c.DENYTRACE_RETENTION,
    maxLineBytes: c.DENYTRACE_MAX_LINE_BYTES,
    geoipPath: c.DENYTRACE_GEOIP,
    nginxLogFormat: c.DENYTRACE_NGINX_LOG_FORMAT,
    logLevel: c.DENYTRACE_LOG_LEVEL,
  };
}
