import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { uuidv7 } from '../uuid-v7.js';

/**
 * An event waiting to be published. Written in the same transaction as the data it
 * describes, so a committed change always has its event, broker up or down.
 */
@Entity({ tableName: 'outbox' })
@Index({
  name: 'outbox_pending_idx',
  expression: 'create index "outbox_pending_idx" on "outbox" ("created_at") where "published_at" is null',
})
export class OutboxMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** The event's own id (UUID v7), the consumers' idempotency key; one event may go to several topics. */
  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'string', length: 128 })
  topic!: string;

  @Property({ type: 'string', length: 128 })
  key!: string;

  @Property({ type: 'json' })
  event!: Record<string, unknown>;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  publishedAt?: Date | null;

  @Property({ type: 'integer', default: 0 })
  attempts: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;
}
