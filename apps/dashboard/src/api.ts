/** Where the reader key is kept: this tab's sessionStorage, never localStorage or a cookie. */
const KEY_STORAGE = 'denytrace.key';

/** An API answer other than 2xx, with the error shape's `code` (`missing_api_key`, `not_found` …). */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The reader key of this tab, if any. */
export function readerKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

/** Keeps (or forgets, with undefined) the reader key for this tab. */
export function setReaderKey(key: string | undefined): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/**
 * GETs an API path on this origin with the reader key as `Authorization: Bearer` (none when no key
 * is kept: an API without keys, on loopback, needs none) and parses the JSON answer.
 * @param params query parameters; undefined ones are left out
 * @throws ApiFailure with the error shape's status and code (401 `missing_api_key` / `unknown_api_key` asks for a key)
 */
export async function apiGet<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = readerKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${path}${q.size ? `?${q}` : ''}`, { headers, credentials: 'omit', cache: 'no-store' });
  const body = (await res.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
  if (!res.ok) throw new ApiFailure(res.status, body?.code ?? 'http_error', body?.message ?? `HTTP ${res.status}`);
  return body as T;
}

/** Layers in stacking order, bottom (outermost) first. */
export const LAYERS = ['waf', 'cdn', 'gateway', 'app'] as const;

/** `GET /v1/summary`'s answer (apps/api/src/summary/summary.service.ts `Summary`). */
export interface Summary {
  since: string;
  until: string;
  interval: string;
  interval_ms: number;
  total: number;
  requests: number;
  keys: string[];
  totals: Record<string, number>;
  buckets: Array<{ bucket: string; counts: Record<string, number>; requests: number }>;
}

/** A deploy of `GET /v1/deploys`. */
export interface Deploy {
  id: string;
  service: string;
  version: string;
  environment?: string | null;
  started_at: string;
  finished_at?: string | null;
  link?: string | null;
}

/** A spike of `GET /v1/spikes` (the fields the page shows). */
export interface Spike {
  id: string;
  kind: string;
  dimension: string;
  value: string;
  start: string;
  end: string | null;
  status: 'firing' | 'resolved';
  magnitude: number;
  denied: number;
  summary: string;
  top_emitter: { layer: string | null; component: string | null; rule_id: string | null; share: number } | null;
  deploy?: { service: string; version: string } | null;
}

/** A verdict of `GET /v1/traces/:id` (libs/schema `Verdict`, the fields the page shows). */
export interface Verdict {
  trace_id: string;
  status: number | null;
  emitting_layer: string | null;
  emitter: { component: string; event: { dataset: string } } | null;
  decisive_rule: { id: string; name: string | null; ruleset: string | null } | null;
  confidence: number;
  confidence_label: string;
  missing_layers: string[];
  join: string;
  explanation: string[];
  flags: string[];
  request: { method: string | null; domain: string | null; path: string | null; query: string | null };
  client: { ip: string | null; country: string | null; network: string | null; organization: string | null };
  first_seen: string;
  provisional: boolean;
  correlation_ids: string[];
  events: Array<{
    '@timestamp': string; dataset: string; component: string; layer: string; hop: number; status: number | null;
    decision: string; action: string | null; upstream_status: number | null; joined_by: string;
    rule: { id: string | null; name: string | null; ruleset: string | null } | null; original: string | null;
  }>;
}
