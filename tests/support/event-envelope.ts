import { v7 as uuidv7 } from 'uuid';
import type { EventPayload, EventType } from '../../schema/events/contracts.js';

/** An event as producers put it on the bus, for fixtures published straight to a topic. */
export interface Envelope {
  id: string;
  type: EventType;
  occurredAt: string;
  actorId: string | null;
  userId: string;
  payload: unknown;
}

/** One event by `userId` about themselves, with a fresh time-ordered id. */
export const event = <T extends EventType>(
  type: T,
  userId: string,
  occurredAt: string,
  payload: EventPayload<T>,
): Envelope => ({ id: uuidv7(), type, occurredAt, actorId: userId, userId, payload });
