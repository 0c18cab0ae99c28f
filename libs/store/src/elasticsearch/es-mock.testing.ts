/**
 * Test helper: an `@elastic/elasticsearch` client whose HTTP connection is `@elastic/elasticsearch-mock`
 * (the client, serializer and bulk helper run for real). Every request is recorded as
 * `{ method, path, querystring, body }` (NDJSON bodies as arrays of lines); `answer` decides each
 * response and must handle every request it is given — anything unexpected should throw.
 */
import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';

export interface EsCall {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function mockClient(answer: (call: EsCall) => unknown): { client: Client; calls: EsCall[] } {
  const mock = new Mock();
  const calls: EsCall[] = [];
  mock.add({ method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], path: '*' }, (p) => {
    const call = p as unknown as EsCall;
    calls.push(call);
    if (call.method === 'GET' && call.path === '/') return { version: { number: '8.19.0' }, tagline: 'You Know, for Search' };
    return answer(call) as Record<string, unknown>;
  });
  const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection(), maxRetries: 0 });
  return { client, calls };
}

/** A bulk answer: `statuses[i]` for the i-th action (201 created, 409 conflict, 400 mapping error, 429 too many requests). */
export function bulkAnswer(call: EsCall, statuses: number[]): Record<string, unknown> {
  const actions = (call.body as Array<Record<string, unknown>>).filter((line) => ['create', 'index', 'update', 'delete'].some((k) => k in line));
  const items = actions.map((a, i) => {
    const op = Object.keys(a)[0];
    const status = statuses[i] ?? 201;
    const error = status === 409 ? { type: 'version_conflict_engine_exception', reason: 'document already exists' }
      : status === 400 ? { type: 'document_parsing_exception', reason: 'failed to parse field [source.port] of type [long]' }
        : status === 429 ? { type: 'es_rejected_execution_exception', reason: 'rejected execution' } : undefined;
    return { [op]: { status, ...(error ? { error } : { result: 'created' }) } };
  });
  return { took: 1, errors: items.some((i) => (Object.values(i)[0] as { status: number }).status >= 300), items };
}
