import type { DenyEvent } from '@denytrace/schema';
import type { CorrelationOptions } from './options';
import { UnionFind } from './union-find';

/** Why an id is not trusted to join events. */
export type UntrustedReason = 'too_many_events' | 'span_too_long' | 'reused_within_source';

/**
 * Joins events that share a correlation id (union-find), refusing ids that are evidence of nothing:
 * an id linking more than `maxEventsPerId` events, spanning more than `maxIdSpanMs`, or logged twice
 * by one source (a client's fixed X-Request-ID, a connection id shared by many requests) —
 * DESIGN.md: "an id that links too many events or too long a span is evidence of nothing".
 *
 * @param events the events; `times[i]` is `events[i]`'s `@timestamp` in epoch ms.
 * @returns the union-find over event indices and the untrusted ids with their reason.
 */
export function joinById(
  events: readonly DenyEvent[],
  times: readonly number[],
  opts: CorrelationOptions,
): { uf: UnionFind; untrusted: Map<string, UntrustedReason>; linked: Uint8Array } {
  const byId = new Map<string, number[]>();
  events.forEach((e, i) => {
    for (const id of e.denytrace.correlation_ids) {
      let list = byId.get(id);
      if (!list) byId.set(id, (list = []));
      list.push(i);
    }
  });
  const uf = new UnionFind(events.length);
  const untrusted = new Map<string, UntrustedReason>();
  const linked = new Uint8Array(events.length);
  for (const [id, idx] of byId) {
    if (idx.length < 2) continue;
    const reason = distrust(idx, events, times, opts);
    if (reason) {
      untrusted.set(id, reason);
      continue;
    }
    for (let k = 1; k < idx.length; k++) uf.union(idx[0], idx[k]);
    for (const i of idx) linked[i] = 1;
  }
  return { uf, untrusted, linked };
}

function distrust(idx: number[], events: readonly DenyEvent[], times: readonly number[], opts: CorrelationOptions): UntrustedReason | undefined {
  if (idx.length > opts.maxEventsPerId) return 'too_many_events';
  let min = Infinity;
  let max = -Infinity;
  const seen = new Set<string>();
  for (const i of idx) {
    const t = times[i];
    if (t < min) min = t;
    if (t > max) max = t;
    const ds = events[i].event.dataset;
    if (seen.has(ds) && !opts.multiRecordDatasets.has(ds)) return 'reused_within_source';
    seen.add(ds);
  }
  return max - min > opts.maxIdSpanMs ? 'span_too_long' : undefined;
}
