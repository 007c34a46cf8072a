import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { KeyValueStore } from '../platform/state/shared-state.js';
import { capLimits, capRefusals, mostHeldByOneUser } from './subscription-cap-metrics.js';

/** A refused subscription: RATE_LIMITED with reason SUBSCRIPTION_LIMIT, the scope and the cap. */
export interface CapRefusal {
  message: string;
  extensions: {
    code: typeof ErrorCode.RATE_LIMITED;
    reason: 'SUBSCRIPTION_LIMIT';
    scope: 'connection' | 'user';
    limit: number;
  };
}

export type CapDecision = { release: () => void } | { refusal: CapRefusal };

/** One connection's counter (a WebSocket, or one HTTP stream, which holds one subscription). */
export interface ConnectionCaps {
  acquire(userKey: string): Promise<CapDecision>;
}

export interface SubscriptionCapsOptions {
  perConnection: number;
  perUser: number;
  /** Lifetime of a user's shared counter; replicas holding subscriptions refresh it at a third of this. */
  leaseSeconds?: number;
  logger: Logger;
}

/**
 * Caps on open subscriptions: per connection (counted here) and per user across every
 * replica (a counter in shared state whose TTL is a lease: replicas holding subscriptions
 * of that user refresh it, so counts left by a crashed replica expire once nobody refreshes).
 */
export class SubscriptionCaps {
  private readonly held = new Map<string, number>();
  private readonly leaseSeconds: number;
  private readonly refresher: NodeJS.Timeout;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: SubscriptionCapsOptions,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.refresher = setInterval(() => void this.refresh(), (this.leaseSeconds * 1000) / 3);
    this.refresher.unref();
    capLimits.set({ scope: 'connection' }, options.perConnection);
    capLimits.set({ scope: 'user' }, options.perUser);
  }

  connection(): ConnectionCaps {
    let open = 0;
    return {
      acquire: async (userKey) => {
        if (open >= this.options.perConnection) {
          capRefusals.inc({ scope: 'connection' });
          return { refusal: refusal('connection', this.options.perConnection) };
        }
        open += 1;
        const key = keyOf(userKey);
        let count: number;
        try {
          count = await this.kv.increment(key, 1, this.leaseSeconds);
        } catch (error) {
          open -= 1;
          throw error;
        }
        if (count > this.options.perUser) {
          open -= 1;
          await this.kv.increment(key, -1, this.leaseSeconds).catch(() => undefined);
          capRefusals.inc({ scope: 'user' });
          return { refusal: refusal('user', this.options.perUser) };
        }
        this.held.set(userKey, (this.held.get(userKey) ?? 0) + 1);
        this.showMostHeld();
        let released = false;
        return {
          release: () => {
            if (released) return;
            released = true;
            open -= 1;
            const left = (this.held.get(userKey) ?? 1) - 1;
            if (left > 0) this.held.set(userKey, left);
            else this.held.delete(userKey);
            this.showMostHeld();
            this.kv
              .increment(key, -1, this.leaseSeconds)
              // Below zero only after shared state lost the counter (a Redis restart): start again from 0.
              .then((count) => (count < 0 ? this.kv.set(key, '0', this.leaseSeconds) : undefined))
              .catch((error: unknown) => {
                this.options.logger.warn(
                  { err: error },
                  'releasing a subscription count failed; it expires with its lease',
                );
              });
          },
        };
      },
    };
  }

  stop(): void {
    clearInterval(this.refresher);
  }

  private showMostHeld(): void {
    let most = 0;
    for (const count of this.held.values()) most = Math.max(most, count);
    mostHeldByOneUser.set(most);
  }

  private async refresh(): Promise<void> {
    await Promise.all(
      [...this.held.keys()].map((userKey) =>
        this.kv.increment(keyOf(userKey), 0, this.leaseSeconds).catch(() => undefined),
      ),
    );
  }
}

const keyOf = (userKey: string) => `subscriptions:user:${userKey}`;

function refusal(scope: 'connection' | 'user', limit: number): CapRefusal {
  return {
    message:
      scope === 'connection'
        ? `Too many subscriptions on this connection (at most ${limit})`
        : `Too many open subscriptions for this user (at most ${limit})`,
    extensions: { code: ErrorCode.RATE_LIMITED, reason: 'SUBSCRIPTION_LIMIT', scope, limit },
  };
}
