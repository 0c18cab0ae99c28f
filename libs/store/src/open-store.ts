import type { EventStore, Retention } from './event-store';
import { SqliteEventStore } from './sqlite/sqlite-event.store';

/** Options of {@link openStore}. The caller resolves the default data dir (config), not the store. */
export interface OpenStoreOptions {
  /** Directory holding the embedded store's `events.db`; created when missing. */
  dataDir: string;
  /** `refusals` (default) keeps only events with a refusal mark; `all` keeps every event. */
  retention?: Retention;
}

/**
 * Opens the embedded SQLite store at `<dataDir>/events.db` (DESIGN.md "Storage").
 * Throws `StoreError` naming the path when the directory is unusable or the file is corrupt.
 */
export async function openStore(options: OpenStoreOptions): Promise<EventStore> {
  return SqliteEventStore.open({ dataDir: options.dataDir, retention: options.retention ?? 'refusals' });
}
