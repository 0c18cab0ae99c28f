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
 * | `PORT` | HTTP port of the API (and, in `serve`, of the collector) | 8080 |
 * | `HOST` | address to bind | `127.0.0.1` |
 * | `DENYTRACE_COLLECTOR_PORT` | HTTP port of the collector when it runs alone | 8081 |
 * | `REDIS_URL` | Redis for the queues | `redis://127.0.0.1:6379` |
 * | `DENYTRACE_QUEUE_PREFIX` | key prefix of every queue in Redis | `denytrace` |
 * | `DENYTRACE_API_KEYS` | `role:key,role:key`, roles `reader`, `ingester`, `admin`; unset: no auth, and only a loopback `HOST` is allowed | none |
 * | `DENYTRACE_WORKER_CONCURRENCY` | correlate jobs one worker runs at once | 2 |
 * | `DENYTRACE_INGEST_MAX_BYTES` | largest push body after decompression; larger is answered 413 | 67108864 |
 * | `DENYTRACE_WATCH` | folders the collector tails, comma-separated | none |
 * | `DENYTRACE_TAIL_INTERVAL_MS` | how often tailed folders are polled | 1000 |
 * | `STORE` | `sqlite` (embedded, in the data dir) or `elasticsearch` | `sqlite` |
 * | `ELASTICSEARCH_URL` | the cluster, `https://host:9200`; needed with `STORE=elasticsearch` | none |
 * | `ELASTICSEARCH_API_KEY` | base64 `id:api_key`; or `ELASTICSEARCH_USERNAME` + `ELASTICSEARCH_PASSWORD` | none |
 * | `ELASTICSEARCH_CA_CERT` | PEM file of the CA that signed the cluster's certificate | none |
 * | `ELASTICSEARCH_NAMESPACE` | data stream namespace (`[a-z0-9_]`), one per deployment | `default` |
 * | `DENYTRACE_EVENTS_RETENTION_DAYS` | days Elasticsearch keeps raw events (ILM) | 30 |
 * | `DENYTRACE_VERDICTS_RETENTION_DAYS` | days Elasticsearch keeps verdicts and counters; ≥ the events' | 180 |
 * | `DENYTRACE_GITHUB_WEBHOOK_SECRET` | secret of the GitHub repository webhook posting `deployment_status` events to `POST /v1/deploys/github` (≥ 16 characters); unset: that route answers 404 | none |
 */
const schema = z.object({
  DENYTRACE_DATA_DIR: z.string().min(1).optional(),
  DENYTRACE_RETENTION: z.enum(['refusals', 'all']).default('refusals'),
  DENYTRACE_MAX_LINE_BYTES: z.coerce.number().int().min(256).max(64 * 1024 * 1024).default(65536),
  DENYTRACE_GEOIP: z.string().min(1).optional(),
  DENYTRACE_NGINX_LOG_FORMAT: z.string().min(1).optional(),
  DENYTRACE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DENYTRACE_COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  DENYTRACE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').default('denytrace'),
  DENYTRACE_API_KEYS: z.string().optional(),
  DENYTRACE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  DENYTRACE_INGEST_MAX_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  DENYTRACE_WATCH: z.string().optional(),
  DENYTRACE_TAIL_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(1000),
  STORE: z.enum(['sqlite', 'elasticsearch']).default('sqlite'),
  ELASTICSEARCH_URL: z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL').optional(),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  ELASTICSEARCH_USERNAME: z.string().min(1).optional(),
  ELASTICSEARCH_PASSWORD: z.string().min(1).optional(),
  ELASTICSEARCH_CA_CERT: z.string().min(1).optional(),
  ELASTICSEARCH_NAMESPACE: z.string().regex(/^[a-z0-9_]{1,100}$/, 'lower-case letters, digits and _ only (a data stream namespace)').default('default'),
  DENYTRACE_EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(30),
  DENYTRACE_VERDICTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(180),
  DENYTRACE_GITHUB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters (GitHub: "a random string of text with high entropy")').max(1024, 'must be at most 1024 characters').optional(),
  XDG_DATA_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

/** A role an API key carries (DESIGN.md "API conventions"). */
export type ApiRole = 'reader' | 'ingester' | 'admin';
export const API_ROLES: readonly ApiRole[] = ['reader', 'ingester', 'admin'];

export interface ApiKey {
  role: ApiRole;
  key: string;
}

export interface DenytraceConfig {
  dataDir: string;
  retention: 'refusals' | 'all';
  maxLineBytes: number;
  geoipPath?: string;
  nginxLogFormat?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  port: number;
  host: string;
  collectorPort: number;
  redisUrl: string;
  queuePrefix: string;
  /** Empty when auth is off (only allowed with a loopback host). */
  apiKeys: ApiKey[];
  workerConcurrency: number;
  ingestMaxBytes: number;
  /** Folders to tail. */
  watch: string[];
  tailIntervalMs: number;
  /** Which store every app and the CLI open. */
  store: 'sqlite' | 'elasticsearch';
  /** Set when `store` is `elasticsearch`. */
  elasticsearch?: ElasticsearchConfig;
  /** HMAC-SHA256 key of `X-Hub-Signature-256` on `POST /v1/deploys/github`; unset: the route is off (404). */
  githubWebhookSecret?: string;
}

/** How to reach and lay out the Elasticsearch store (README "Running on Elasticsearch"). */
export interface ElasticsearchConfig {
  url: string;
  apiKey?: string;
  username?: string;
  password?: string;
  caCertPath?: string;
  namespace: string;
  /** ILM retention, whole days. */
  eventsRetentionDays: number;
  verdictsRetentionDays: number;
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
  const problems: string[] = [];
  const apiKeys = parseApiKeys(c.DENYTRACE_API_KEYS, problems);
  if (apiKeys.length === 0 && !isLoopback(c.HOST)) problems.push(`HOST: binding ${c.HOST} needs DENYTRACE_API_KEYS (without keys the API is open, so only a loopback address is allowed)`);
  const elasticsearch = elasticsearchConfig(c, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    dataDir: resolve(c.DENYTRACE_DATA_DIR ?? join(c.XDG_DATA_HOME ?? join(c.HOME ?? homedir(), '.local', 'share'), 'denytrace')),
    retention: c.DENYTRACE_RETENTION,
    maxLineBytes: c.DENYTRACE_MAX_LINE_BYTES,
    geoipPath: c.DENYTRACE_GEOIP,
    nginxLogFormat: c.DENYTRACE_NGINX_LOG_FORMAT,
    logLevel: c.DENYTRACE_LOG_LEVEL,
    port: c.PORT,
    host: c.HOST,
    collectorPort: c.DENYTRACE_COLLECTOR_PORT,
    redisUrl: c.REDIS_URL,
    queuePrefix: c.DENYTRACE_QUEUE_PREFIX,
    apiKeys,
    workerConcurrency: c.DENYTRACE_WORKER_CONCURRENCY,
    ingestMaxBytes: c.DENYTRACE_INGEST_MAX_BYTES,
    watch: (c.DENYTRACE_WATCH ?? '').split(',').map((d) => d.trim()).filter(Boolean).map((d) => resolve(d)),
    tailIntervalMs: c.DENYTRACE_TAIL_INTERVAL_MS,
    store: c.STORE,
    elasticsearch,
    githubWebhookSecret: c.DENYTRACE_GITHUB_WEBHOOK_SECRET,
  };
}

/** The Elasticsearch settings when `STORE=elasticsearch`; adds a problem for each inconsistent variable (never echoing secrets). */
function elasticsearchConfig(c: z.infer<typeof schema>, problems: string[]): ElasticsearchConfig | undefined {
  if (c.STORE !== 'elasticsearch') return undefined;
  if (!c.ELASTICSEARCH_URL) problems.push('ELASTICSEARCH_URL: needed with STORE=elasticsearch (e.g. https://localhost:9200)');
  if (c.ELASTICSEARCH_USERNAME && !c.ELASTICSEARCH_PASSWORD) problems.push('ELASTICSEARCH_PASSWORD: needed with ELASTICSEARCH_USERNAME');
  if (c.ELASTICSEARCH_PASSWORD && !c.ELASTICSEARCH_USERNAME) problems.push('ELASTICSEARCH_USERNAME: needed with ELASTICSEARCH_PASSWORD');
  if (c.ELASTICSEARCH_API_KEY && c.ELASTICSEARCH_USERNAME) problems.push('ELASTICSEARCH_API_KEY: give an API key or a username and password, not both');
  if (c.DENYTRACE_VERDICTS_RETENTION_DAYS < c.DENYTRACE_EVENTS_RETENTION_DAYS) {
    problems.push(`DENYTRACE_VERDICTS_RETENTION_DAYS: must be at least DENYTRACE_EVENTS_RETENTION_DAYS (${c.DENYTRACE_EVENTS_RETENTION_DAYS}): verdicts outlive the events they were decided from`);
  }
  if (!c.ELASTICSEARCH_URL) return undefined;
  return {
    url: c.ELASTICSEARCH_URL,
    apiKey: c.ELASTICSEARCH_API_KEY,
    username: c.ELASTICSEARCH_USERNAME,
    password: c.ELASTICSEARCH_PASSWORD,
    caCertPath: c.ELASTICSEARCH_CA_CERT ? resolve(c.ELASTICSEARCH_CA_CERT) : undefined,
    namespace: c.ELASTICSEARCH_NAMESPACE,
    eventsRetentionDays: c.DENYTRACE_EVENTS_RETENTION_DAYS,
    verdictsRetentionDays: c.DENYTRACE_VERDICTS_RETENTION_DAYS,
  };
}

/** `role:key,role:key` → keys; a bad entry adds a problem naming its position (never the key itself). */
function parseApiKeys(raw: string | undefined, problems: string[]): ApiKey[] {
  if (!raw || raw.trim() === '') return [];
  const out: ApiKey[] = [];
  raw.split(',').forEach((entry, i) => {
    const e = entry.trim();
    const colon = e.indexOf(':');
    const role = colon > 0 ? e.slice(0, colon) : '';
    const key = colon > 0 ? e.slice(colon + 1) : '';
    if (!(API_ROLES as readonly string[]).includes(role)) problems.push(`DENYTRACE_API_KEYS: entry ${i + 1} must be role:key with role one of ${API_ROLES.join(', ')}`);
    else if (key.length < 16) problems.push(`DENYTRACE_API_KEYS: entry ${i + 1} (${role}) has a key shorter than 16 characters`);
    else out.push({ role: role as ApiRole, key });
  });
  return out;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
