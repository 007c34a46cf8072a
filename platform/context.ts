import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from './auth/identity.js';
import type { Loaders } from './loaders.js';
import type { Logger } from './logger.js';

/**
 * One request's scope, built once per request in the subgraph's context: services take
 * it as their first parameter instead of (em, loaders, viewer, …), and stay free of
 * GraphQL types (a test builds one by hand with `orm.em.fork()` and `new Loaders()`).
 */
export interface RequestScope {
  requestId: string;
  /** Who is calling, as verified by the gateway (null: anonymous). */
  identity: Identity | null;
  /** A forked EntityManager: its identity map lives and dies with the request. */
  em: EntityManager;
  loaders: Loaders;
  logger: Logger;
}

/** What every resolver of every subgraph receives: the request scope (plus the subgraph's services). */
export type RequestContext = RequestScope;
