import type { EventType } from '../../schema/events/contracts.js';

/**
 * Events of the companions subgraph (contracts in schema/events/contracts.ts), all
 * written through the outbox; it consumes `user-lifecycle` to know account statuses.
 */
export const publishes: EventType[] = [
  'companion.created',
  'companion.deleted',
  'conversation.started',
  'message.sent',
  'message.received',
  'content.posted',
];
export const consumes: EventType[] = ['user.registered', 'user.status_changed'];
