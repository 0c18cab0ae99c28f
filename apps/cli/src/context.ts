import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type DenytraceConfig } from '@denytrace/config';
import type { NetworkInfo } from '@denytrace/correlation';
import { NetworkTable, defaultNetworkOf } from '@denytrace/network';
import { openStore, type EventStore } from '@denytrace/store';

/** What every command works with: validated configuration, the open store and the network table. */
export interface CliContext {
  config: DenytraceConfig;
  store: EventStore;
  /** The user's network table, when one was given now or at an earlier ingest. */
  table?: NetworkTable;
  /** Lookup for correlation: the table's row, else the address's /24 (IPv4) or /48 (IPv6). */
  network: (ip: string) => NetworkInfo | undefined;
}

/** Name of the copy of the user's network table kept in the data directory. */
export const NETWORK_TABLE_FILE = 'network-table.csv';

/** Thrown for mistakes the user can fix; main prints the message without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Opens the store in `--data-dir` (else `DENYTRACE_DATA_DIR`, else the default) and the network
 * table: `--geoip FILE` (kept in the data dir for later commands), else the one kept earlier, else
 * `DENYTRACE_GEOIP`.
 */
export async function openContext(o: { dataDir?: string; geoip?: string; retention?: string }): Promise<CliContext> {
  const env = { ...process.env };
  if (o.dataDir) env.DENYTRACE_DATA_DIR = o.dataDir;
  if (o.retention) env.DENYTRACE_RETENTION = o.retention;
  const config = loadConfig(env);
  mkdirSync(config.dataDir, { recursive: true });
  const kept = join(config.dataDir, NETWORK_TABLE_FILE);
  let table: NetworkTable | undefined;
  const source = o.geoip ?? (existsSync(kept) ? kept : config.geoipPath);
  if (source) {
    if (!existsSync(source)) throw new UsageError(`network table not found: ${source}`);
    const text = readFileSync(source, 'utf8');
    table = NetworkTable.fromCsv(text);
    if (o.geoip) writeFileSync(kept, text);
  }
  const store = await openStore({ dataDir: config.dataDir, retention: config.retention });
  const network = (ip: string): NetworkInfo | undefined => {
    const hit = table?.lookup(ip);
    if (hit) return hit;
    const net = defaultNetworkOf(ip);
    return net ? { network: net } : undefined;
  };
  return { config, store, table, network };
}
