import IORedis from 'ioredis';

/** Redis could not be reached; the message is one line a person can act on. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/**
 * Pings Redis once with a short timeout and no retries, so a missing Redis is reported in one
 * clear line instead of a stack trace and endless reconnects.
 * @throws RedisUnavailableError naming the URL (without its password) and how to start one.
 */
export async function assertRedisReachable(url: string, timeoutMs = 2000): Promise<void> {
  const client = new IORedis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let last: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => {
    last = e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    // ioredis reports "Connection is closed." once it gives up; the socket error before it says why.
    const err = last ?? (e as NodeJS.ErrnoException);
    const why = err.code ?? err.message;
    throw new RedisUnavailableError(
      `Redis is not reachable at ${redact(url)} (${why}). Start one with \`docker compose up -d redis\` or your distribution's \`redis-server\`, or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
