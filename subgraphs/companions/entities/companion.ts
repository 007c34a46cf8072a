import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';

export const VISIBILITIES = ['PRIVATE', 'PUBLIC'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

@Entity({ tableName: 'companions' })
@Index({ properties: ['ownerId', 'id'] })
@Index({
  name: 'companions_public_idx',
  expression:
    'create index "companions_public_idx" on "companions" ("id") where "visibility" = \'PUBLIC\' and "deleted_at" is null',
})
export class Companion {
  /** UUID v7: ordering by id is ordering by creation, which the cursors rely on. */
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** A user of the users subgraph (no foreign key: another database). */
  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'string', length: 64 })
  name!: string;

  @Property({ type: 'text' })
  description!: string;

  @Property({ type: 'json' })
  personality!: string[];

  @Enum({ items: () => VISIBILITIES as unknown as string[], type: 'string' })
  visibility!: Visibility;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  /** Deleted companions keep their conversations' history but are hidden everywhere else. */
  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date | null;

  /** Rejected by moderation: hidden like a deleted companion until the decision is reversed. */
  @Property({ type: 'datetime', nullable: true })
  blockedAt?: Date | null;

  /** When the newest moderation event applied to this companion happened. */
  @Property({ type: 'datetime', nullable: true })
  moderatedAt?: Date | null;
}
