/** Relative ranges of the picker, in ms. */
export const RANGES = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type RangeName = keyof typeof RANGES;

/** What a top list or a legend click filters on: the summary's filter parameters. */
export const FILTER_KEYS = ['layer', 'rule', 'country', 'network', 'path'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * The page's state, all of it in the URL fragment (never the query string, which servers and
 * proxies log): `#from=…&to=…` (ISO-8601, UTC when no zone) or `#range=6h`, filters
 * (`rule=`, `country=` …), `trace=<request id>`. `key=` is read once, kept in sessionStorage and
 * removed from the address bar.
 */
export interface DashState {
  range: RangeName | 'custom';
  /** Custom range, epoch ms; `to` exclusive. */
  from?: number;
  to?: number;
  filter: Partial<Record<FilterKey, string>>;
  trace?: string;
}

/** Reads ISO-8601 (no zone: UTC) or epoch ms; undefined when unreadable. */
export function readTime(text: string | null): number | undefined {
  if (!text) return undefined;
  if (/^\d{10,13}$/.test(text)) return Number(text) * (text.length === 10 ? 1000 : 1);
  const iso = /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Parses a fragment (`#key=…&from=…&to=…&rule=…`). Returns the state and the key, if the fragment
 * carried one. A `from` without `to` means until now; `to` before `from` is ignored.
 */
export function parseFragment(hash: string): { state: DashState; key?: string } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const filter: DashState['filter'] = {};
  for (const k of FILTER_KEYS) {
    const v = p.get(k);
    if (v) filter[k] = v;
  }
  const from = readTime(p.get('from'));
  const to = readTime(p.get('to'));
  const named = p.get('range');
  let state: DashState = { range: named && named in RANGES ? (named as RangeName) : '1h', filter };
  if (from !== undefined && (to === undefined || to > from)) state = { ...state, range: 'custom', from, to };
  const trace = p.get('trace');
  if (trace) state.trace = trace;
  return { state, key: p.get('key') ?? undefined };
}

/** The fragment of a state (without any key). */
export function toFragment(s: DashState): string {
  const p = new URLSearchParams();
  if (s.range === 'custom') {
    if (s.from !== undefined) p.set('from', new Date(s.from).toISOString());
    if (s.to !== undefined) p.set('to', new Date(s.to).toISOString());
  } else {
    p.set('range', s.range);
  }
  for (const k of FILTER_KEYS) if (s.filter[k]) p.set(k, s.filter[k]!);
  if (s.trace) p.set('trace', s.trace);
  return `#${p}`;
}

/** The state's window as epoch ms [since, until): relative ranges end now. */
export function windowOf(s: DashState, now: number): { since: number; until: number } {
  if (s.range === 'custom') {
    const until = s.to ?? now;
    return { since: s.from ?? until - RANGES['1h'], until };
  }
  return { since: now - RANGES[s.range], until: now };
}
