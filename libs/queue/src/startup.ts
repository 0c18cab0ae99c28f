import { ConfigError, loadConfig, type DenytraceConfig } from '@denytrace/config';
import { assertRedisReachable, RedisUnavailableError } from './redis-check';
import { guardShutdown } from './shutdown-guard';

/**
 * Starts one denytrace process: validates the environment, checks Redis, then runs `start`. A bad
 * environment, an unreachable Redis, an unusable data dir or a port in use is one clear line on
 * stderr and exit code 1, not a stack trace and a reconnect loop. Shutdown is bounded (see guardShutdown).
 */
export async function startService(name: string, start: (config: DenytraceConfig) => Promise<void>): Promise<void> {
  guardShutdown(name);
  try {
    const config = loadConfig();
    await assertRedisReachable(config.redisUrl);
    await start(config);
  } catch (e) {
    const known = e instanceof ConfigError || e instanceof RedisUnavailableError || (e as Error)?.name === 'StoreError' || (e as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
    process.stderr.write(`denytrace ${name}: ${known ? (e as Error).message : ((e as Error)?.stack ?? String(e))}\n`);
    process.exit(1);
  }
}
