import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../../../platform/uuid-v7.js';

/** A moderator's note on a case (staff only). */
@Entity({ tableName: 'moderator_notes' })
@Index({ properties: ['caseId', 'id'] })
export class ModeratorNote {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  caseId!: string;

  @Property({ type: 'uuid' })
  authorId!: string;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}
