import { hash } from 'node:crypto';

/**
 * Stable id of one record: base64url of the first 15 bytes of SHA-1 over `dataset \n raw`.
 * The same line ingested twice (a re-read file, an at-least-once shipper) gets the same id, so the
 * store keeps it once.
 */
export function eventId(dataset: string, raw: string): string {
  // crypto.hash (Node ≥ 20.12) is the one-shot form: no Hash object per line.
  return hash('sha1', `${dataset}\n${raw}`, 'base64url').slice(0, 20);
}

/**
 * Gives `e.event.id` as a memoized getter: the hash is computed only when something reads the id
 * (the store, correlation, JSON.stringify), not for the many events that only feed counters. The
 * property stays enumerable, so serialisation and comparison see an ordinary string.
 */
export function deferEventId<T extends { event: { dataset: string } }>(e: T, raw: string): T & { event: { id: string } } {
  let id: string | undefined;
  const dataset = e.event.dataset;
  Object.defineProperty(e.event, 'id', {
    enumerable: true,
    configurable: true,
    get: () => (id ??= eventId(dataset, raw)),
    set: (v: string) => {
      id = v;
    },
  });
  return e as T & { event: { id: string } };
}
