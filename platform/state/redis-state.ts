import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { decide } from './rate-limit-decision.js';
import type { RateLimiter, SharedState } from './shared-state.js';

/** SharedState on Redis: one command connection and one subscriber connection per process. */
export function createRedisState(url: string, keyPrefix: string): SharedState {
  const options = { keyPrefix, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false };
  const client = new Redis(url, options);
  // A subscribed connection cannot run other commands, so pub/sub gets its own.
  const subscriber = new Redis(url, { ...options, keyPrefix: undefined });
  const listeners = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });
  const channelName = (channel: string) => `${keyPrefix}${channel}`;
  return {
    kind: 'redis',
    kv: {
      async get(key) {
        return client.get(key);
      },
      async set(key, value, ttlSeconds) {
        if (ttlSeconds) await client.set(key, value, 'EX', ttlSeconds);
        else await client.set(key, value);
      },
      async del(key) {
        await client.del(key);
      },
      async append(key, value, ttlSeconds) {
        const [[, length]] = (await client.multi().rpush(key, value).expire(key, ttlSeconds).exec()) as [
          [unknown, number],
        ];
        return length;
      },
      async increment(key, delta, ttlSeconds) {
        const [[, value]] = (await client.multi().incrby(key, delta).expire(key, ttlSeconds).exec()) as [
          [unknown, number],
        ];
        return value;
      },
      async range(key, start) {
        return client.lrange(key, Math.max(0, start), -1);
      },
    },
    pubsub: {
      async publish(channel, message) {
        await client.publish(channelName(channel), message);
      },
      async subscribe(channel, onMessage) {
        const name = channelName(channel);
        let set = listeners.get(name);
        if (!set) {
          set = new Set();
          listeners.set(name, set);
          await subscriber.subscribe(name);
        }
        set.add(onMessage);
        return async () => {
          set.delete(onMessage);
          if (set.size === 0 && listeners.get(name) === set) {
            listeners.delete(name);
            await subscriber.unsubscribe(name);
          }
        };
      },
    },
    rateLimiter(name, pointsPerSecond): RateLimiter {
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `ratelimit:${name}`,
        points: pointsPerSecond,
        duration: 1,
      });
      return { consume: (key) => decide(() => limiter.consume(key)) };
    },
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
    },
  };
}
