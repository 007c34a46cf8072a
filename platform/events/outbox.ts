import { raw } from '@mikro-orm/core';
import { uuidv7 } from '../uuid-v7.js';
import { eventCatalog, type EventEnvelope, type EventPayload, type EventType } from '../../schema/events/contracts.js';
import type { Logger } from '../logger.js';
import type { Orm } from '../orm.js';
import type { EventBus } from './event-bus.js';
import { OutboxMessage } from './outbox-message.js';

export interface NewEvent<T extends EventType> {
  userId: string;
  actorId: string | null;
  payload: EventPayload<T>;
}

/**
 * Stages an event in the caller's unit of work: it is written by the same flush,
 * in the same transaction, as the change it describes. Anything that persists the
 * message in that transaction will do (a batch may insert its messages in one statement).
 */
export function stageEvent<T extends EventType>(
  em: { persist(message: OutboxMessage): unknown },
  type: T,
  event: NewEvent<T>,
): EventEnvelope<T> {
  const envelope = newEnvelope(type, event);
  for (const topic of eventCatalog[type].topics) {
    const message = new OutboxMessage();
    message.eventId = envelope.id;
    message.topic = topic;
    message.key = event.userId;
    message.event = envelope as unknown as Record<string, unknown>;
    em.persist(message);
  }
  return envelope;
}

/** A new event with its id and time, the payload checked against its contract. */
export function newEnvelope<T extends EventType>(type: T, event: NewEvent<T>): EventEnvelope<T> {
  return {
    id: uuidv7(),
    type,
    occurredAt: new Date().toISOString(),
    actorId: event.actorId,
    userId: event.userId,
    payload: eventCatalog[type].payload.parse(event.payload) as EventPayload<T>,
  };
}

/**
 * Rows per publish transaction. A consumer batch may stage 500 events at once (moderation's
 * intake): one transaction for them instead of five saves four transactions' fixed costs.
 */
const DEFAULT_BATCH_SIZE = 500;

/**
 * The oldest pending rows, locked; rows another replica holds are skipped. The oldest are picked
 * by id and time alone, and only those rows' events are read: with the event in the sorted rows,
 * every pending row's event was read (and converted) for each batch of 500, so a backlog of
 * thousands cost its square. The event comes back as its JSON text, which is what goes on the
 * bus: parsed by the driver it would only be serialised again.
 */
const PENDING_SQL = `with "next" as (select "id", "created_at" from "outbox" where "published_at" is null
    order by "created_at" asc, "id" asc limit ? for update skip locked)
  select "outbox"."id", "topic", "key", "event"::text as "event" from "next" join "outbox" on "outbox"."id" = "next"."id"
  order by "next"."created_at" asc, "next"."id" asc`;
/**
 * For the relay's transaction: read the pending index in order rather than as a bitmap. Published
 * rows leave dead entries in it; a bitmap scan visits every one of them on each cycle (the
 * embedded database has no autovacuum, so they pile up for good: 10,000 published rows made an
 * empty cycle cost 1.5 ms), while an ordered scan marks them dead as it passes and stops at the
 * batch's last row.
 */
const ORDERED_SCAN_SQL = 'set local enable_bitmapscan = off';
const MARK_PUBLISHED_SQL = `update "outbox" set "published_at" = ?
  where "id" in (select jsonb_array_elements_text(?::jsonb)::uuid)`;

interface PendingRow {
  id: string;
  topic: string;
  key: string;
  /** The event's JSON text (a driver that parsed it anyway hands over an object). */
  event: unknown;
}

export interface OutboxRelayOptions {
  orm: Orm;
  bus: EventBus;
  logger: Logger;
  /** How often pending rows are looked for when nobody kicks the relay. */
  pollIntervalMs?: number;
  batchSize?: number;
}

/**
 * Publishes committed outbox rows in order and marks them published. While the
 * broker is down rows stay pending and are retried with backoff; replicas share
 * the work through row locks (FOR UPDATE SKIP LOCKED).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.started = true;
    this.runNow();
  }

  /**
   * Called after a commit that staged events, so they go out without waiting for the poll.
   * The cycle starts on the next turn of the event loop (setImmediate, which unlike a zero
   * timer runs right after pending I/O): the request that committed answers first, instead
   * of queueing its response behind the relay's statements on the same connection.
   */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      this.runNow();
    });
  }

  /** Publishes everything pending now; resolves when the outbox is empty or the broker fails. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.publishBatch();
      total += sent;
      if (sent < (this.options.batchSize ?? DEFAULT_BATCH_SIZE)) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    await this.running;
  }

  /**
   * Starts a cycle now. Kicks reach it through setImmediate, not a zero-delay timer: on a busy
   * event loop (the embedded graph runs PGlite and every subgraph on it) a timer fired tens of
   * milliseconds late, and every event waited that long after its commit.
   */
  private runNow() {
    clearTimeout(this.timer);
    if (this.stopped || this.running) return;
    this.running = this.cycle().finally(() => {
      this.running = undefined;
    });
  }

  private schedule(delayMs: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runNow(), delayMs);
  }

  private async cycle() {
    const poll = this.options.pollIntervalMs ?? 1_000;
    try {
      // A kick during a flush may have committed rows after its select: flush again at once.
      do {
        this.again = false;
        await this.flush();
      } while (this.again && !this.stopped);
      this.failures = 0;
      this.schedule(poll);
    } catch (error) {
      this.failures += 1;
      const backoff = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
      this.options.logger.warn({ err: error, retryInMs: backoff }, 'outbox publish failed; events stay pending');
      this.schedule(backoff);
    }
  }

  private async publishBatch(): Promise<number> {
    const { orm, bus, batchSize = DEFAULT_BATCH_SIZE } = this.options;
    let failed: { ids: string[]; error: unknown } | undefined;
    const sent = await orm.em.fork().transactional(async (tx) => {
      // Plain SQL: thousands of rows a second through the ORM's hydration and change sets
      // cost more than publishing them.
      const connection = tx.getConnection();
      await connection.execute(ORDERED_SCAN_SQL, [], 'run', tx.getTransactionContext());
      const pending: PendingRow[] = await connection.execute<PendingRow[]>(
        PENDING_SQL,
        [batchSize],
        'all',
        tx.getTransactionContext(),
      );
      if (pending.length === 0) return 0;
      const byTopic = new Map<string, PendingRow[]>();
      for (const row of pending) {
        const rows = byTopic.get(row.topic);
        if (rows) rows.push(row);
        else byTopic.set(row.topic, [row]);
      }
      try {
        await bus.publishAll(
          [...byTopic].map(([topic, rows]) => ({
            topic,
            records: rows.map((row) => ({
              key: row.key,
              value: typeof row.event === 'string' ? row.event : JSON.stringify(row.event),
            })),
          })),
        );
      } catch (error) {
        failed = { ids: pending.map((row) => row.id), error };
        return 0;
      }
      const ids = JSON.stringify(pending.map((row) => row.id));
      await connection.execute(MARK_PUBLISHED_SQL, [new Date(), ids], 'run', tx.getTransactionContext());
      return pending.length;
    });
    if (failed) {
      const message = failed.error instanceof Error ? failed.error.message : String(failed.error);
      await orm.em
        .fork()
        .nativeUpdate(
          OutboxMessage,
          { id: { $in: failed.ids } },
          { attempts: raw('attempts + 1'), lastError: message.slice(0, 500) },
        );
      throw failed.error;
    }
    return sent;
  }
}
