import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createMemoryState } from './memory-state.js';
import { createRedisState } from './redis-state.js';
import type { SharedState } from './shared-state.js';

export type * from './shared-state.js';

/** Redis when REDIS_URL is set, otherwise in-memory. */
export function createSharedState(config: Config, logger?: Logger): SharedState {
  return config.REDIS_URL ? createRedisState(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger) : createMemoryState();
}
