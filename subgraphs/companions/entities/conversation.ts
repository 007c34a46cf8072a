import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';
import { Companion } from './companion.js';

@Entity({ tableName: 'conversations' })
@Index({ properties: ['userId', 'id'] })
export class Conversation {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => Companion)
  companion!: Companion;

  @Property({ type: 'string', length: 120, nullable: true })
  title?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastMessageAt?: Date | null;

  /** The reply being generated; set and cleared atomically so only one streams at a time. */
  @Property({ type: 'uuid', nullable: true })
  activeReplyId?: string | null;
}
