import { Redis, ReplyError } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { unavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { decide } from './rate-limit-decision.js';
import type { RateLimiter, SharedState } from './shared-state.js';

/** A command on a live connection that gets no answer in this time fails (a half-open socket). */
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * Fail fast while Redis is unreachable: once a connection has been ready, commands issued
 * while it is down are refused at once with SERVICE_UNAVAILABLE instead of waiting in
 * ioredis' offline queue (7–9 s, then a MaxRetriesPerRequestError). Before the first
 * connection the queue stays on, so start-up does not race the connect.
 */
class Connection {
  private seenReady = false;
  private up = false;

  constructor(
    readonly redis: Redis,
    name: string,
    logger: Logger | undefined,
    onDown: () => void = () => undefined,
  ) {
    redis.on('ready', () => {
      if (this.seenReady && !this.up) logger?.info({ connection: name }, 'shared state reachable again');
      this.seenReady = true;
      this.up = true;
    });
    redis.on('close', () => {
      if (!this.up) return;
      this.up = false;
      logger?.warn({ connection: name }, 'shared state unreachable: failing fast until it returns');
      onDown();
    });
    // Without a listener ioredis prints every reconnect failure; 'close' above says it once.
    redis.on('error', () => undefined);
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.seenReady && !this.ready) throw unavailable();
    try {
      return await command(this.redis);
    } catch (error) {
      // A Redis reply error is a bug of ours (wrong type, syntax); anything else is the connection.
      if (error instanceof ReplyError) throw error;
      throw Object.assign(unavailable(), { cause: error });
    }
  }

  async close(): Promise<void> {
    // QUIT would wait in the offline queue while Redis is down.
    if (this.ready) await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/** SharedState on Redis: one command connection and one subscriber connection per process. */
export function createRedisState(url: string, keyPrefix: string, logger?: Logger): SharedState {
  const options = {
    keyPrefix,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect quickly once Redis is back: at most a second between attempts.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
  };
  const client = new Connection(new Redis(url, options), 'commands', logger);
  // A subscribed connection cannot run other commands, so pub/sub gets its own.
  const listeners = new Map<string, Set<{ onMessage: (message: string) => void; onInterrupted?: () => void }>>();
  const subscriber = new Connection(
    new Redis(url, { ...options, keyPrefix: undefined, commandTimeout: undefined }),
    'subscriber',
    logger,
    () => {
      // Messages published while the connection is down are lost: tell every listener.
      for (const set of listeners.values()) for (const listener of set) listener.onInterrupted?.();
    },
  );
  // Channels left while the connection was down; ioredis resubscribes them on reconnect.
  const abandoned = new Set<string>();
  subscriber.redis.on('ready', () => {
    for (const name of abandoned) {
      if (!listeners.has(name)) void subscriber.redis.unsubscribe(name).catch(() => undefined);
    }
    abandoned.clear();
  });
  subscriber.redis.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener.onMessage(message);
  });
  const channelName = (channel: string) => `${keyPrefix}${channel}`;
  return {
    kind: 'redis',
    kv: {
      get: (key) => client.run((redis) => redis.get(key)),
      async set(key, value, ttlSeconds) {
        await client.run((redis) => (ttlSeconds ? redis.set(key, value, 'EX', ttlSeconds) : redis.set(key, value)));
      },
      async del(key) {
        await client.run((redis) => redis.del(key));
      },
      async append(key, value, ttlSeconds) {
        const results = await client.run((redis) => redis.multi().rpush(key, value).expire(key, ttlSeconds).exec());
        const [[error, length]] = results as [[Error | null, number]];
        if (error) throw error;
        return length;
      },
      increment: async (key, delta, ttlSeconds) => {
        const results = await client.run((redis) => redis.multi().incrby(key, delta).expire(key, ttlSeconds).exec());
        const [[error, value]] = results as [[Error | null, number]];
        if (error) throw error;
        return value;
      },
      range: (key, start) => client.run((redis) => redis.lrange(key, Math.max(0, start), -1)),
    },
    pubsub: {
      async publish(channel, message) {
        await client.run((redis) => redis.publish(channelName(channel), message));
      },
      async subscribe(channel, onMessage, onInterrupted) {
        const name = channelName(channel);
        const listener = { onMessage, onInterrupted };
        let set = listeners.get(name);
        if (!set) {
          set = new Set();
          await subscriber.run((redis) => redis.subscribe(name));
          abandoned.delete(name);
          // A concurrent subscribe may have created the set while this one waited.
          set = listeners.get(name) ?? set;
          listeners.set(name, set);
        }
        set.add(listener);
        return async () => {
          set.delete(listener);
          if (set.size > 0 || listeners.get(name) !== set) return;
          listeners.delete(name);
          if (!subscriber.ready) {
            abandoned.add(name);
            return;
          }
          await subscriber.run((redis) => redis.unsubscribe(name)).catch(() => abandoned.add(name));
        };
      },
    },
    rateLimiter(name, pointsPerSecond): RateLimiter {
      const limiter = new RateLimiterRedis({
        storeClient: client.redis,
        keyPrefix: `ratelimit:${name}`,
        points: pointsPerSecond,
        duration: 1,
        // While Redis is down each replica limits on its own rather than refusing everyone.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points: pointsPerSecond, duration: 1 }),
      });
      return { consume: (key) => decide(() => limiter.consume(key)) };
    },
    async ping() {
      if (!client.ready || !subscriber.ready) return false;
      try {
        return (await client.run((redis) => redis.ping())) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
