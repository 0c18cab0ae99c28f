import { errors } from '@elastic/elasticsearch';
import { StoreError } from '../store-error';

/**
 * Maps an `@elastic/elasticsearch` error to a {@link StoreError}, by class and status, never by
 * message text: `ConnectionError`/`TimeoutError`/`NoLivingConnectionsError`, a 401/403 or a 5xx
 * answer are `unavailable` (nothing the input can fix); any other answer is `backend`. `what` names
 * the operation and index in the message; the client's error stays in `cause`.
 */
export function storeErrorOf(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return new StoreError('unavailable', `${what}: Elasticsearch unreachable (${err.name}: ${oneLine(err.message)})`, { cause: err });
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const type = (err.body as { error?: { type?: string; reason?: string } } | undefined)?.error;
    const why = type?.type ? `${type.type}${type.reason ? `: ${oneLine(type.reason)}` : ''}` : `HTTP ${status}`;
    if (status === 401 || status === 403) return new StoreError('unavailable', `${what}: Elasticsearch refused the credentials (${why}); check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD`, { cause: err });
    if (status >= 500 || status === 429) return new StoreError('unavailable', `${what}: Elasticsearch is not able to answer (${why})`, { cause: err });
    return new StoreError('backend', `${what}: Elasticsearch answered ${status} (${why})`, { cause: err });
  }
  return new StoreError('backend', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** True for a `ResponseError` with this HTTP status (409 version conflict, 404 missing …). */
export function isStatus(err: unknown, status: number): boolean {
  return err instanceof errors.ResponseError && err.statusCode === status;
}

/** True for a `ResponseError` whose error type is this (`resource_already_exists_exception` …). */
export function isErrorType(err: unknown, type: string): boolean {
  return err instanceof errors.ResponseError && (err.body as { error?: { type?: string } } | undefined)?.error?.type === type;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').slice(0, 300);
}
