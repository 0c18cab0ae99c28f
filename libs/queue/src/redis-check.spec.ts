import { assertRedisReachable, RedisUnavailableError } from './redis-check';

describe('assertRedisReachable', () => {
  it('passes against the Redis on 127.0.0.1:6379', async () => {
    await expect(assertRedisReachable('redis://127.0.0.1:6379')).resolves.toBeUndefined();
  });

  it('says in one line where it looked and how to start one, without the password', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await assertRedisReachable('redis://user:hunter2@127.0.0.1:1', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Redis is not reachable at redis:\/\/user:\*\*\*@127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(msg).toMatch(/docker compose up -d redis/);
    expect(msg).not.toMatch(/hunter2/);
    expect(msg).not.toMatch(/\n/);
  });
});
