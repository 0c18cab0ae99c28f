import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type DenytraceConfig } from '@denytrace/config';
import type { NetworkInfo } from '@denytrace/correlation';
import { NetworkTable, NetworkTableError, defaultNetworkOf } from '@denytrace/network';
import { openConfiguredStore, type EventStore } from '@denytrace/store';

/** What every command works with: validated configuration, the open store and the network table. */
export interface CliContext {
  config: DenytraceConfig;
  store: EventStore;
  /** The user's network table, when one was given now or at an earlier ingest. */
  table?: NetworkTable;
  /** Where that table was read from (the copy kept in the data dir, or DENYTRACE_GEOIP). */
  tablePath?: string;
  /** Lookup for correlation: the table's row, else the address's /24 (IPv4) or /48 (IPv6). */
  network: (ip: string) => NetworkInfo | undefined;
}

/** Name of the copy of the user's network table kept in the data directory. */
export const NETWORK_TABLE_FILE = 'network-table.csv';

/** Thrown for mistakes the user can fix; main prints the message without a stack trace (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A service could not start (Redis unreachable, port in use …): one line, exit 1. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
}

/**
 * Opens the configured store (`STORE`: SQLite in `--data-dir`, else `DENYTRACE_DATA_DIR`, else the
 * default; or Elasticsearch, retried a bounded number of times while it does not answer) and the network
 * table: `--geoip FILE` (kept in the data dir for later commands), else the one kept earlier, else
 * `DENYTRACE_GEOIP`. Commands that only read pass `create: false`: a data dir that does not exist
 * yet is then a UsageError ("nothing ingested yet") instead of an empty store being made.
 * @throws UsageError for a data dir that is a file or cannot be made, an unreadable network table.
 */
export async function openContext(o: { dataDir?: string; geoip?: string; retention?: string; create?: boolean }): Promise<CliContext> {
  const env = { ...process.env };
  if (o.dataDir) env.DENYTRACE_DATA_DIR = o.dataDir;
  if (o.retention) env.DENYTRACE_RETENTION = o.retention;
  const config = loadConfig(env);
  // The data dir holds the SQLite store and the kept network table; with Elasticsearch it is only
  // needed to keep a table given now.
  if (config.store === 'sqlite') prepareDataDir(config.dataDir, o.create ?? true);
  else if (o.geoip) prepareDataDir(config.dataDir, true);
  const kept = join(config.dataDir, NETWORK_TABLE_FILE);
  let table: NetworkTable | undefined;
  const source = o.geoip ?? (existsSync(kept) ? kept : config.geoipPath);
  if (source) {
    if (!existsSync(source)) throw new UsageError(`network table not found: ${source}`);
    const text = readFileSync(source, 'utf8');
    try {
      table = NetworkTable.fromCsv(text);
    } catch (e) {
      if (e instanceof NetworkTableError) throw new UsageError(`${source}: ${e.message}`);
      throw e;
    }
    if (table.badRows.length > 0) {
      const first = table.badRows.slice(0, 3).map((r) => `line ${r.line}: ${r.reason}`).join('; ');
      process.stderr.write(`denytrace: ${source}: ${table.badRows.length} row(s) not loaded (${first}${table.badRows.length > 3 ? '; …' : ''})\n`);
    }
    if (o.geoip) writeFileSync(kept, text);
  }
  const tablePath = table ? (o.geoip ? kept : source) : undefined;
  const store = await openConfiguredStore(config, { onRetry: (line) => process.stderr.write(`denytrace: ${line}\n`) });
  const network = (ip: string): NetworkInfo | undefined => {
    const hit = table?.lookup(ip);
    if (hit) return hit;
    const net = defaultNetworkOf(ip);
    return net ? { network: net } : undefined;
  };
  return { config, store, table, tablePath, network };
}

/** Checks (and when asked creates) the data dir. @throws UsageError for a file in its place, or one that cannot be made. */
export function prepareDataDir(dir: string, create: boolean): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new UsageError(`data dir ${dir} is not a directory`);
  if (st) return;
  if (!create) throw new UsageError(`nothing ingested yet: no data dir at ${dir} (run \`denytrace ingest <logs>\` first, or point --data-dir / DENYTRACE_DATA_DIR at an existing one)`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create data dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
