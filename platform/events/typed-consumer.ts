import {
  eventCatalog,
  InvalidEventError,
  parseEvent,
  type EventEnvelope,
  type EventOn,
  type EventType,
  type Topic,
} from '../../schema/events/contracts.js';
import type { Logger } from '../logger.js';
import type { Consumer, EventBus } from './event-bus.js';

/**
 * What one consumer group of a subgraph reads: a topic and the event types it handles.
 * Declared in the subgraph's events.ts; the wiring must then handle exactly these types.
 */
export interface ConsumerSpec<P extends Topic = Topic, C extends EventOn<P> = EventOn<P>> {
  groupId: string;
  topic: P;
  types: readonly C[];
}

/** Declares a consumer (keeps the literal types, checks that the topic carries them). */
export function consumerOf<P extends Topic, const C extends EventOn<P>>(spec: ConsumerSpec<P, C>): ConsumerSpec<P, C> {
  return spec;
}

/** One handler per declared type, each receiving its own payload type. */
export type EventHandlers<C extends EventType> = { [T in C]: (event: EventEnvelope<T>) => Promise<void> };

/**
 * Starts a consumer group that parses every record, skips invalid ones (logged) and types
 * it does not handle, and hands each declared type to its handler. A handler that throws
 * makes the bus redeliver the record (at least once), so handlers are idempotent by event id.
 */
export async function consumeEvents<P extends Topic, C extends EventOn<P>>(
  bus: EventBus,
  logger: Logger,
  spec: ConsumerSpec<P, C>,
  handlers: EventHandlers<C>,
): Promise<Consumer> {
  const handled = new Set<string>(spec.types);
  return bus.consume({
    groupId: spec.groupId,
    topics: [spec.topic],
    onRecord: async (record) => {
      let event;
      try {
        event = parseEvent(record.value);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        logger.warn({ err: error, topic: record.topic, offset: record.offset }, 'skipping an invalid event');
        return;
      }
      if (!handled.has(event.type)) return;
      const handler = handlers[event.type as C] as (event: EventEnvelope) => Promise<void>;
      await handler(event);
    },
  });
}

/** The topics each type travels on (for checks that a declared consumer can ever receive it). */
export function topicsOf(type: EventType): readonly Topic[] {
  return eventCatalog[type].topics;
}
