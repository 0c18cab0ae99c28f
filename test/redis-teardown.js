/**
 * Jest global teardown: every test that talks to Redis uses a queue prefix starting with `test-`
 * (see test/service-helpers.ts `testConfig`); queues registered by an app under test leave their
 * `meta` keys even when the test obliterated the queues it used. This removes what is left.
 * Redis unreachable: nothing to clean.
 */
const Redis = require('ioredis');

module.exports = async function teardown() {
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'test-*', 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // no Redis: no keys of ours
  } finally {
    redis.disconnect();
  }
};
