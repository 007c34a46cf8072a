import type { Config } from '../config.js';
import { createEventBus, type EventBus } from '../events/index.js';
import { createLogger, type Logger } from '../logger.js';
import { createSharedState, type SharedState } from '../state/index.js';

/** What every service of a process shares: configuration, logs, shared state and the event bus. */
export interface Runtime {
  config: Config;
  logger: Logger;
  state: SharedState;
  bus: EventBus;
}

export async function createRuntime(config: Config, name: string): Promise<Runtime> {
  const logger = createLogger(name, config.LOG_LEVEL);
  const state = createSharedState(config, logger);
  const bus = createEventBus(config, logger);
  return { config, logger, state, bus };
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await Promise.allSettled([runtime.bus.close(), runtime.state.close()]);
}
