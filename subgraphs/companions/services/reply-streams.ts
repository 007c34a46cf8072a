import { AsyncQueue } from '../../../platform/async-queue.js';
import { unavailable } from '../../../platform/errors.js';
import type { SharedState } from '../../../platform/state/shared-state.js';

/** One step of a streamed reply, as it travels between replicas. */
export interface ReplyChunkEvent {
  messageId: string;
  index: number;
  delta: string;
  done: boolean;
  finishReason: string | null;
}

/** Chunks past this are published live but not kept for replay; the stored message covers them. */
const MAX_BUFFERED_CHUNKS = 10_000;
const CANCEL_CHANNEL = 'reply-cancel';

/**
 * Reply chunks over shared pub/sub (Redis in production), so a client attached to any
 * replica receives a reply generated on another, plus a bounded buffer with a TTL from
 * which a client that dropped resumes at `fromIndex`.
 */
export class ReplyStreams {
  constructor(
    private readonly state: SharedState,
    private readonly ttlSeconds: number,
  ) {}

  async publish(chunk: ReplyChunkEvent): Promise<void> {
    const json = JSON.stringify(chunk);
    if (chunk.index < MAX_BUFFERED_CHUNKS || chunk.done) {
      await this.state.kv.append(bufferKey(chunk.messageId), json, this.ttlSeconds);
    }
    await this.state.pubsub.publish(channel(chunk.messageId), json);
  }

  /**
   * Buffered chunks from `fromIndex`, then live ones, each index once and in order, until done.
   * If the shared state drops, the queue fails with SERVICE_UNAVAILABLE (live chunks may have
   * been missed): the client resubscribes with `fromIndex` once it is back.
   */
  async follow(messageId: string, fromIndex: number): Promise<AsyncQueue<ReplyChunkEvent>> {
    let next = fromIndex;
    let replaying = true;
    const held: ReplyChunkEvent[] = [];
    const subscription: { close?: () => Promise<void> } = {};
    // Leaving during an outage must not leave a rejected promise behind.
    const queue = new AsyncQueue<ReplyChunkEvent>(() => void subscription.close?.().catch(() => undefined));
    const deliver = (chunk: ReplyChunkEvent) => {
      // A done chunk always ends the stream: a reply settled after its replica died may carry a lower index.
      if (chunk.index < next && !chunk.done) return; // already delivered (replayed and also live)
      next = chunk.index + 1;
      queue.push(chunk);
      if (chunk.done) queue.end();
    };
    // Subscribe before reading the buffer, so nothing published in between is lost.
    subscription.close = await this.state.pubsub.subscribe(
      channel(messageId),
      (json) => {
        const chunk = JSON.parse(json) as ReplyChunkEvent;
        if (replaying) held.push(chunk);
        else deliver(chunk);
      },
      () => queue.end(unavailable('The reply stream was interrupted; resubscribe with fromIndex')),
    );
    let buffered: string[];
    try {
      buffered = await this.state.kv.range(bufferKey(messageId), fromIndex);
    } catch (error) {
      queue.end();
      throw error;
    }
    for (const json of buffered) deliver(JSON.parse(json));
    replaying = false;
    for (const chunk of held.sort((a, b) => a.index - b.index)) deliver(chunk);
    return queue;
  }

  /** Whether the buffer still holds this reply (a finished reply's buffer ends with its done chunk). */
  async buffered(messageId: string): Promise<ReplyChunkEvent[]> {
    return (await this.state.kv.range(bufferKey(messageId), 0)).map((json) => JSON.parse(json) as ReplyChunkEvent);
  }

  /** Whether chunks can travel now (false at once while Redis is down). */
  available(): Promise<boolean> {
    return this.state.ping();
  }

  requestCancel(messageId: string): Promise<void> {
    return this.state.pubsub.publish(CANCEL_CHANNEL, messageId);
  }

  onCancelRequest(listener: (messageId: string) => void): Promise<() => Promise<void>> {
    return this.state.pubsub.subscribe(CANCEL_CHANNEL, listener);
  }
}

const channel = (messageId: string) => `reply:${messageId}`;
const bufferKey = (messageId: string) => `reply-buffer:${messageId}`;
