import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { StoreError } from '../store-error';
import { isStatus, storeErrorOf } from './es-errors';

/** How to reach the cluster (see README "Running on Elasticsearch"). */
export interface EsConnectionOptions {
  /** `https://host:9200` (ELASTICSEARCH_URL). */
  node: string;
  /** Base64 `id:api_key` as Kibana shows it (ELASTICSEARCH_API_KEY); wins over username/password. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the cluster's certificate (ELASTICSEARCH_CA_CERT). */
  caCertPath?: string;
}

/**
 * A client of the 8.x line (it sends `compatible-with=8`, which Elasticsearch 8 and 9 both
 * accept: https://www.elastic.co/guide/en/elasticsearch/reference/current/rest-api-compatibility.html).
 * Requests time out after 30 s and are retried twice on another node by the client itself.
 * @throws StoreError('invalid_argument') when the CA file cannot be read.
 */
export function buildEsClient(o: EsConnectionOptions, extra: Partial<ClientOptions> = {}): Client {
  let ca: string | undefined;
  if (o.caCertPath) {
    try {
      ca = readFileSync(o.caCertPath, 'utf8');
    } catch (err) {
      throw new StoreError('invalid_argument', `ELASTICSEARCH_CA_CERT ${o.caCertPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }
  const auth = o.apiKey ? { apiKey: o.apiKey } : o.username ? { username: o.username, password: o.password ?? '' } : undefined;
  return new Client({
    node: o.node,
    auth,
    tls: ca ? { ca } : undefined,
    requestTimeout: 30_000,
    maxRetries: 2,
    name: 'denytrace',
    ...extra,
  });
}

/** Bounded retries at start: attempt n waits `firstDelayMs · 2^(n-1)` (capped at 10 s) before the next. */
export interface StartupRetry {
  /** Attempts in all (default 6: about 30 s with the default delays). */
  attempts?: number;
  firstDelayMs?: number;
  /** Told one line per failed attempt (the service logs it as a warning). */
  onRetry?: (line: string) => void;
}

/**
 * Waits until the cluster answers `GET /` (`info`, 5 s timeout, no retry inside the client), retrying with exponential backoff a bounded
 * number of times. Credentials refused (401/403) fail at once: waiting will not fix them.
 * @throws StoreError('unavailable') with one line naming the URL and the last reason.
 */
export async function waitForCluster(client: Client, node: string, retry: StartupRetry = {}): Promise<{ version: string }> {
  const attempts = Math.max(1, retry.attempts ?? 6);
  let delay = Math.max(0, retry.firstDelayMs ?? 1000);
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await client.info(undefined, { maxRetries: 0, requestTimeout: 5000 });
      return { version: info.version.number };
    } catch (err) {
      const e = storeErrorOf(err, `Elasticsearch at ${redact(node)}`);
      const refused = isStatus(err, 401) || isStatus(err, 403);
      if (refused || attempt >= attempts) {
        throw new StoreError('unavailable', `${e.message}${refused ? '' : ` (gave up after ${attempts} attempts)`}`, { cause: err });
      }
      retry.onRetry?.(`${e.message}; retrying in ${Math.round(delay / 100) / 10} s (attempt ${attempt + 1} of ${attempts})`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(10_000, delay * 2);
    }
  }
}

/** The URL without credentials, for messages. */
export function redact(node: string): string {
  try {
    const u = new URL(node);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(ELASTICSEARCH_URL)';
  }
}
