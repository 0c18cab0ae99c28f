import type { EventStore, QuarantineRow } from '@denytrace/store';

/** For tests: the store, with every row handed to `quarantine` recorded in `rows` (the rest goes straight through). */
export function quarantineSpy(store: EventStore): { store: EventStore; rows: QuarantineRow[] } {
  const rows: QuarantineRow[] = [];
  const spied = new Proxy(store, {
    get(target, key) {
      if (key === 'quarantine') {
        return async (r: readonly QuarantineRow[]) => {
          rows.push(...r);
          return target.quarantine(r);
        };
      }
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: spied, rows };
}
