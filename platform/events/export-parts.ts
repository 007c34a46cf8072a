import { randomUUID } from 'node:crypto';
import { Topic, type EventPayload } from '../../schema/events/contracts.js';
import type { Logger } from '../logger.js';
import type { Consumer, EventBus } from './event-bus.js';
import { newEnvelope } from './outbox.js';
import { consumeEvents, type ConsumerSpec } from './typed-consumer.js';

/** Most bytes of part data one `user.export_part` event carries (as JSON text): far below Kafka's 1 MB. */
export const EXPORT_CHUNK_BYTES = 200_000;

export type ExportingSubgraph = EventPayload<'user.export_part'>['subgraph'];

/** Bytes a slice takes inside an event's JSON (escapes included, quotes not). */
const encodedBytes = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Cuts text into slices that each take at most `maxBytes` once written into an event
 * (UTF-8, JSON escapes counted), never between the two halves of a surrogate pair.
 * Joined in order they give the text back.
 */
export function chunkText(text: string, maxBytes = EXPORT_CHUNK_BYTES): string[] {
  if (maxBytes < 12) throw new RangeError('maxBytes must leave room for one escaped character');
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let length = Math.min(maxBytes, text.length - start);
    for (;;) {
      const size = encodedBytes(text.slice(start, start + length));
      if (size <= maxBytes) break;
      // Shrink in proportion to the overshoot (escapes and multi-byte characters), at least by one.
      length = Math.max(1, Math.min(length - 1, Math.floor((length * maxBytes) / size)));
    }
    if (start + length < text.length && length > 1 && isHighSurrogate(text.charCodeAt(start + length - 1))) {
      length -= 1;
    }
    chunks.push(text.slice(start, start + length));
    start += length;
  }
  return chunks.length ? chunks : [''];
}

/**
 * Sends one subgraph's part of an export as `user.export_part` events, one chunk per
 * publish (so that no request to the broker carries more than one chunk).
 *
 * Parts are published directly, not through the outbox: an outbox row would keep a copy of
 * the user's whole data in this subgraph's database after it went out, and the relay sends up
 * to a hundred rows per request. Nothing is lost either way: the request is acknowledged only
 * after every chunk went out, so a broker failure makes the bus deliver it again.
 */
export async function publishExportPart(
  bus: EventBus,
  request: { exportId: string; userId: string },
  subgraph: ExportingSubgraph,
  data: unknown,
): Promise<number> {
  const chunks = chunkText(JSON.stringify(data));
  const readingId = randomUUID();
  for (const [index, text] of chunks.entries()) {
    const event = newEnvelope('user.export_part', {
      userId: request.userId,
      actorId: null,
      payload: { exportId: request.exportId, readingId, subgraph, chunk: index, chunks: chunks.length, data: text },
    });
    await bus.publish(Topic.userLifecycle, [{ key: request.userId, value: JSON.stringify(event) }]);
  }
  return chunks.length;
}

/**
 * A subgraph's answer to `user.export_requested`: gathers what it holds about the user and
 * publishes it as its part. `gather` only reads, so a redelivered request sends the part again
 * (the users subgraph keeps the first copy of each chunk).
 */
export function answerExportRequests(
  bus: EventBus,
  logger: Logger,
  spec: ConsumerSpec<typeof Topic.userLifecycle, 'user.export_requested'>,
  subgraph: ExportingSubgraph,
  gather: (userId: string) => Promise<unknown>,
): Promise<Consumer> {
  return consumeEvents(bus, logger, spec, {
    'user.export_requested': async (event) => {
      const data = await gather(event.userId);
      const chunks = await publishExportPart(
        bus,
        { exportId: event.payload.exportId, userId: event.userId },
        subgraph,
        data,
      );
      logger.info({ exportId: event.payload.exportId, subgraph, chunks }, 'export part sent');
    },
  });
}
