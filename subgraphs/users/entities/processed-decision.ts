import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Moderation events already applied: inserted in the same transaction, so a redelivery is a no-op. */
@Entity({ tableName: 'processed_decisions' })
export class ProcessedDecision {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'datetime' })
  processedAt: Opt<Date> = new Date();
}
