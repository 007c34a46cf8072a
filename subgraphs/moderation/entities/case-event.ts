import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../../../platform/uuid-v7.js';

export const CASE_EVENT_KINDS = [
  'CREATED',
  'AUTO_APPROVED',
  'AUTO_REJECTED',
  'QUEUED',
  'REVISED',
  'CLAIMED',
  'APPROVED',
  'REJECTED',
  'REFERRED',
  'REPORTED',
  'ESCALATED',
  'NOTE',
  'APPEALED',
  'APPEAL_UPHELD',
  'APPEAL_OVERTURNED',
] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

/** A case's audit trail: what happened, who did it (null: the system), when. */
@Entity({ tableName: 'case_events' })
@Index({ properties: ['caseId', 'id'] })
export class CaseEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  caseId!: string;

  @Property({ type: 'string', length: 32 })
  kind!: CaseEventKind;

  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  @Property({ type: 'text', nullable: true })
  detail?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}
