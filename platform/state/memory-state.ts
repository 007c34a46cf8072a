import { EventEmitter } from 'node:events';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { decide } from './rate-limit-decision.js';
import type { RateLimiter, SharedState } from './shared-state.js';

/** In-process SharedState for the embedded default: one instance is shared by all services of the process. */
export function createMemoryState(): SharedState {
  const values = new Map<string, { value: string; expiresAt: number }>();
  const lists = new Map<string, { items: string[]; expiresAt: number }>();
  const liveList = (key: string) => {
    const entry = lists.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      lists.delete(key);
      return undefined;
    }
    return entry;
  };
  const channels = new EventEmitter();
  channels.setMaxListeners(0);
  const live = (key: string) => {
    const entry = values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      values.delete(key);
      return null;
    }
    return entry.value;
  };
  return {
    kind: 'memory',
    kv: {
      async get(key) {
        return live(key);
      },
      async set(key, value, ttlSeconds) {
        values.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : Infinity });
      },
      async del(key) {
        values.delete(key);
        lists.delete(key);
      },
      async append(key, value, ttlSeconds) {
        const entry = liveList(key) ?? { items: [], expiresAt: 0 };
        entry.items.push(value);
        entry.expiresAt = Date.now() + ttlSeconds * 1000;
        lists.set(key, entry);
        return entry.items.length;
      },
      async increment(key, delta, ttlSeconds) {
        const next = Number(live(key) ?? 0) + delta;
        values.set(key, { value: String(next), expiresAt: Date.now() + ttlSeconds * 1000 });
        return next;
      },
      async range(key, start) {
        return liveList(key)?.items.slice(Math.max(0, start)) ?? [];
      },
    },
    pubsub: {
      async publish(channel, message) {
        // Delivered asynchronously, like Redis: publishers never run subscriber code inline.
        queueMicrotask(() => channels.emit(channel, message));
      },
      async subscribe(channel, onMessage) {
        channels.on(channel, onMessage);
        return async () => {
          channels.off(channel, onMessage);
        };
      },
    },
    rateLimiter(name, pointsPerSecond): RateLimiter {
      const limiter = new RateLimiterMemory({ keyPrefix: name, points: pointsPerSecond, duration: 1 });
      return { consume: (key) => decide(() => limiter.consume(key)) };
    },
    async ping() {
      return true;
    },
    async close() {
      channels.removeAllListeners();
      values.clear();
      lists.clear();
    },
  };
}
