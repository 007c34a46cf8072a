import { Redis } from 'ioredis';
import {
  ACTIVE_WINDOW_MS,
  DAY_TTL_SECONDS,
  RATE_WINDOW_SECONDS,
  realtimeKeys,
  SECOND_TTL_SECONDS,
  summarize,
  type RealtimeEvent,
  type RealtimeSnapshot,
  type RealtimeStore,
} from './store.js';

/**
 * Adds ARGV[i + 1] to counter KEYS[i] and gives it ARGV[1] seconds to live. One command for
 * the ~1,000 counters of a batch (one per user and day): as separate INCRBY and EXPIRE
 * commands they were ~2,000 commands a batch, most of the realtime store's time in Node.
 */
const ADD_COUNTERS = `
for i, key in ipairs(KEYS) do
  redis.call('INCRBY', key, ARGV[i + 1])
  redis.call('EXPIRE', key, ARGV[1])
end
return #KEYS`;

/**
 * The realtime counters on Redis, every batch in one pipeline (one round trip). Daily
 * active users are a HyperLogLog: 12 KB per day whatever the number of users, where a set
 * of UUIDs grows by ~100 bytes a user; the exact figure comes from PostgreSQL.
 */
export function createRedisRealtimeStore(url: string, keyPrefix: string): RealtimeStore {
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 1, lazyConnect: false });
  // Connection errors surface as failed commands (the batch is redelivered); ioredis reconnects
  // by itself. Without a listener it would print every failed reconnect as an unhandled event.
  redis.on('error', () => undefined);

  return {
    async record(events: RealtimeEvent[], now = Date.now()) {
      if (events.length === 0) return;
      const { counts, activeByDate, lastSeen } = summarize(events);
      const pipeline = redis.pipeline();
      // EVAL rather than a defined command: a pipeline of EVALSHA asks Redis first whether the
      // script is loaded, a second round trip. The keys go as KEYS, so keyPrefix applies.
      pipeline.eval(ADD_COUNTERS, counts.size, ...counts.keys(), DAY_TTL_SECONDS, ...counts.values());
      for (const [date, users] of activeByDate) {
        const key = realtimeKeys.activeUsers(date);
        pipeline.pfadd(key, ...users).expire(key, DAY_TTL_SECONDS);
      }
      const second = realtimeKeys.second(Math.floor(now / 1000));
      pipeline.incrby(second, events.length).expire(second, SECOND_TTL_SECONDS);
      const recent = realtimeKeys.recentUsers();
      const fresh = [...lastSeen].filter(([, at]) => at >= now - ACTIVE_WINDOW_MS);
      if (fresh.length) pipeline.zadd(recent, 'GT', ...fresh.flatMap(([user, at]) => [at, user]));
      pipeline.zremrangebyscore(recent, '-inf', now - ACTIVE_WINDOW_MS).expire(recent, (2 * ACTIVE_WINDOW_MS) / 1000);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async snapshot(now = Date.now()): Promise<RealtimeSnapshot> {
      const date = new Date(now).toISOString().slice(0, 10);
      const second = Math.floor(now / 1000);
      const seconds = Array.from({ length: RATE_WINDOW_SECONDS }, (_, i) => realtimeKeys.second(second - i));
      const results = await redis
        .pipeline()
        .zcount(realtimeKeys.recentUsers(), now - ACTIVE_WINDOW_MS, '+inf')
        .mget(...seconds)
        .get(realtimeKeys.total(date))
        .pfcount(realtimeKeys.activeUsers(date))
        .exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('redis pipeline failed');
      const [[, active], [, perSecond], [, total], [, today]] = results as [unknown, unknown][];
      const recentEvents = (perSecond as (string | null)[]).reduce((sum, n) => sum + Number(n ?? 0), 0);
      return {
        currentActiveUsers: Number(active),
        eventsPerSecond: recentEvents / RATE_WINDOW_SECONDS,
        todayEvents: Number(total ?? 0),
        todayActiveUsers: Number(today),
      };
    },
    ttl(key: string) {
      return redis.ttl(key);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
