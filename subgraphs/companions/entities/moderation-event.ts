import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Moderation events already enforced: inserted with the change, so a redelivery is a no-op. */
@Entity({ tableName: 'applied_moderation_events' })
export class AppliedModerationEvent {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'datetime' })
  appliedAt: Opt<Date> = new Date();
}
