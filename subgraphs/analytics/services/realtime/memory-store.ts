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

interface Entry {
  value: number | Set<string> | Map<string, number>;
  expiresAt: number;
}

/** The Redis store's twin for the embedded profile: exact sets instead of HyperLogLogs. */
export function createMemoryRealtimeStore(): RealtimeStore {
  const entries = new Map<string, Entry>();
  const live = (key: string, now: number) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now) entries.delete(key);
    return entries.get(key);
  };
  const counter = (key: string, now: number) => {
    const value = live(key, now)?.value;
    return typeof value === 'number' ? value : 0;
  };

  return {
    async record(events: RealtimeEvent[], now = Date.now()) {
      const { counts, activeByDate, lastSeen } = summarize(events);
      const dayExpiry = now + DAY_TTL_SECONDS * 1000;
      for (const [key, n] of counts) entries.set(key, { value: counter(key, now) + n, expiresAt: dayExpiry });
      for (const [date, users] of activeByDate) {
        const key = realtimeKeys.activeUsers(date);
        const set = (live(key, now)?.value as Set<string> | undefined) ?? new Set<string>();
        for (const user of users) set.add(user);
        entries.set(key, { value: set, expiresAt: dayExpiry });
      }
      const second = realtimeKeys.second(Math.floor(now / 1000));
      entries.set(second, { value: counter(second, now) + events.length, expiresAt: now + SECOND_TTL_SECONDS * 1000 });
      const recentKey = realtimeKeys.recentUsers();
      const recent = (live(recentKey, now)?.value as Map<string, number> | undefined) ?? new Map<string, number>();
      for (const [user, at] of lastSeen) if (at > (recent.get(user) ?? 0)) recent.set(user, at);
      for (const [user, at] of recent) if (at < now - ACTIVE_WINDOW_MS) recent.delete(user);
      entries.set(recentKey, { value: recent, expiresAt: now + 2 * ACTIVE_WINDOW_MS });
    },
    async snapshot(now = Date.now()): Promise<RealtimeSnapshot> {
      const date = new Date(now).toISOString().slice(0, 10);
      const second = Math.floor(now / 1000);
      let recentEvents = 0;
      for (let s = second - RATE_WINDOW_SECONDS + 1; s <= second; s++)
        recentEvents += counter(realtimeKeys.second(s), now);
      const recent = live(realtimeKeys.recentUsers(), now)?.value as Map<string, number> | undefined;
      const active = live(realtimeKeys.activeUsers(date), now)?.value as Set<string> | undefined;
      return {
        currentActiveUsers: [...(recent?.values() ?? [])].filter((at) => at >= now - ACTIVE_WINDOW_MS).length,
        eventsPerSecond: recentEvents / RATE_WINDOW_SECONDS,
        todayEvents: counter(realtimeKeys.total(date), now),
        todayActiveUsers: active?.size ?? 0,
      };
    },
    async ttl(key: string) {
      const now = Date.now();
      const entry = live(key, now);
      return entry ? Math.ceil((entry.expiresAt - now) / 1000) : -2;
    },
    async close() {
      entries.clear();
    },
  };
}
