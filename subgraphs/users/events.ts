import type { EventType } from '../../schema/events/contracts.js';

/**
 * Events of the users subgraph (contracts in schema/events/contracts.ts), all written
 * through the outbox. It consumes none yet.
 */
export const publishes = [
  'user.registered',
  'user.login',
  'user.logout',
  'user.password_changed',
  'user.profile_updated',
  'user.status_changed',
] as const satisfies readonly EventType[];

export const consumers = [] as const;
