/**
 * State shared by every replica: short-lived keys, pub/sub and rate limits. Redis in
 * production, an in-memory equivalent in the embedded default; callers see one interface.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Appends to a list and (re)sets its time to live; returns the new length. */
  append(key: string, value: string, ttlSeconds: number): Promise<number>;
  /** Adds `delta` to an integer counter (0 when absent) and (re)sets its time to live; returns the new value. */
  increment(key: string, delta: number, ttlSeconds: number): Promise<number>;
  /** The list's items from `start` (0-based) to the end; empty when absent or expired. */
  range(key: string, start: number): Promise<string[]>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /**
   * `onInterrupted` is called when the connection carrying the subscription drops: messages
   * published meanwhile are lost, so a listener that must not miss any has to resync.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onInterrupted?: () => void): Promise<Unsubscribe>;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Milliseconds until the caller may try again (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  kv: KeyValueStore;
  pubsub: PubSub;
  rateLimiter(name: string, pointsPerSecond: number): RateLimiter;
  /** Reachable right now (readiness); false at once while Redis is down. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
