import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDecision } from './shared-state.js';

/** rate-limiter-flexible rejects with a RateLimiterRes when the budget is spent. */
export async function decide(consume: () => Promise<unknown>): Promise<RateLimitDecision> {
  try {
    await consume();
    return { allowed: true, retryAfterMs: 0 };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
    throw rejection;
  }
}
