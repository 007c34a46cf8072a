import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A tombstone per erased user, written by moderation's erasure handler. Content of theirs that
 * was still on its way (content events travel on another topic than the erasure request) is
 * dropped at intake instead of opening a case that holds their text.
 */
@Entity({ tableName: 'erased_authors' })
export class ErasedAuthor {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime' })
  erasedAt: Opt<Date> = new Date();
}

/**
 * Advisory lock space of "an author's content": intake holds the lock of each author in its
 * batch (shared) while it stores cases, the erasure handler holds the author's lock (exclusive)
 * while it writes the tombstone and erases. So a case is either stored before the erasure (and
 * erased by it) or sees the tombstone; none slips in between.
 */
export const AUTHOR_LOCK_SPACE = 7301;
