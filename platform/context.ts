import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from './auth/identity.js';
import type { Loaders } from './loaders.js';
import type { Logger } from './logger.js';

/** What every resolver of every subgraph receives. Fresh per request. */
export interface RequestContext {
  requestId: string;
  identity: Identity | null;
  /** A forked EntityManager: its identity map lives and dies with the request. */
  em: EntityManager;
  loaders: Loaders;
  logger: Logger;
}
