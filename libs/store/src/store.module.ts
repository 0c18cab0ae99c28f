import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DENYTRACE_CONFIG, type DenytraceConfig } from '@denytrace/config';
import { NetworkTable, defaultNetworkOf, type NetworkInfo } from '@denytrace/network';
import type { EventStore } from './event-store';
import { openConfiguredStore } from './open-store';

/** Injection token of the open {@link EventStore}. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Injection token of the network lookup `(ip) => NetworkInfo | undefined`. */
export const NETWORK_LOOKUP = Symbol('NETWORK_LOOKUP');
export type NetworkLookup = (ip: string) => NetworkInfo | undefined;
/** Injection token of the user's network table, or undefined. */
export const NETWORK_TABLE = Symbol('NETWORK_TABLE');

export const InjectStore = (): ParameterDecorator => Inject(EVENT_STORE);
export const InjectNetworkLookup = (): ParameterDecorator => Inject(NETWORK_LOOKUP);

/** Closes the store when the application shuts down (after in-flight jobs and requests). */
@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** The network table kept in the data dir by `denytrace ingest --geoip`, else `DENYTRACE_GEOIP`. */
function loadTable(config: DenytraceConfig): NetworkTable | undefined {
  const kept = join(config.dataDir, 'network-table.csv');
  const path = existsSync(kept) ? kept : config.geoipPath;
  return path && existsSync(path) ? NetworkTable.fromCsv(readFileSync(path, 'utf8')) : undefined;
}

/**
 * Opens the store chosen by configuration (`STORE`: SQLite in the data dir, or Elasticsearch, whose
 * templates and policies are installed at start; while the cluster does not answer, one warning line
 * per retry, then a `StoreError('unavailable')` in one line) once per process and provides it, with
 * the network lookup, to every module.
 */
@Global()
@Module({
  providers: [
    { provide: EVENT_STORE, inject: [DENYTRACE_CONFIG], useFactory: (c: DenytraceConfig) => openConfiguredStore(c, { onRetry: (line) => new Logger('store').warn(line) }) },
    { provide: NETWORK_TABLE, inject: [DENYTRACE_CONFIG], useFactory: (c: DenytraceConfig) => loadTable(c) },
    {
      provide: NETWORK_LOOKUP,
      inject: [NETWORK_TABLE],
      useFactory: (table: NetworkTable | undefined): NetworkLookup => (ip) => {
        const hit = table?.lookup(ip);
        if (hit) return hit;
        const net = defaultNetworkOf(ip);
        return net ? { network: net } : undefined;
      },
    },
    StoreCloser,
  ],
  exports: [EVENT_STORE, NETWORK_LOOKUP, NETWORK_TABLE],
})
export class StoreModule {}
