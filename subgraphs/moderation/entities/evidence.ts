import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../../../platform/uuid-v7.js';

export interface EvidenceReport {
  reporterId: string;
  reason: string;
  details: string | null;
  createdAt: string;
}

/**
 * What a REPORT_TO_AUTHORITIES referral preserved: a copy, not a reference, so it survives
 * the content's deletion and the author's erasure. Readable by ADMIN only.
 */
@Entity({ tableName: 'moderation_evidence' })
export class Evidence {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid', unique: true })
  caseId!: string;

  @Property({ type: 'string', length: 16 })
  contentType!: string;

  @Property({ type: 'string', length: 128 })
  contentId!: string;

  @Property({ type: 'uuid', nullable: true })
  authorId?: string | null;

  @Property({ type: 'text', nullable: true })
  contentText?: string | null;

  @Property({ type: 'json', nullable: true })
  contentRef?: Record<string, unknown> | null;

  @Property({ type: 'json' })
  reports!: EvidenceReport[];

  @Property({ type: 'datetime' })
  contentCreatedAt!: Date;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'uuid' })
  referredBy!: string;

  @Property({ type: 'datetime' })
  referredAt: Opt<Date> = new Date();
}
