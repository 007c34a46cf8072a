import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../../../platform/uuid-v7.js';

/** One user's report on one piece of content: a repeat changes nothing (unique per case and reporter). */
@Entity({ tableName: 'content_reports' })
@Unique({ properties: ['caseId', 'reporterId'] })
export class ContentReport {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  caseId!: string;

  @Property({ type: 'uuid' })
  reporterId!: string;

  @Property({ type: 'string', length: 64 })
  reason!: string;

  @Property({ type: 'text', nullable: true })
  details?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}
