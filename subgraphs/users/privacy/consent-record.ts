import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';

/** Purposes a user can grant or withdraw; TERMS records the policy version accepted at registration. */
export const CONSENT_PURPOSES = ['ANALYTICS', 'MARKETING'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export type RecordedPurpose = ConsentPurpose | 'TERMS';

/** One consent decision. Rows are only ever added: the newest per purpose is the current choice. */
@Entity({ tableName: 'consent_records' })
@Index({ name: 'consent_records_user_idx', properties: ['userId', 'recordedAt'] })
export class ConsentRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  purpose!: RecordedPurpose;

  @Property({ type: 'boolean' })
  granted!: boolean;

  @Property({ type: 'string', length: 32 })
  policyVersion!: string;

  @Property({ type: 'datetime' })
  recordedAt: Opt<Date> = new Date();
}
