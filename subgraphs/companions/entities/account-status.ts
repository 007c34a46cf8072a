import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { UserStatus } from '../../../platform/auth/identity.js';

/**
 * What this subgraph knows of each account's status, from `user-lifecycle` events.
 * Only the newest event counts, so redelivered or reordered events change nothing.
 */
@Entity({ tableName: 'account_statuses' })
export class AccountStatus {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  status!: UserStatus;

  @Property({ type: 'datetime' })
  changedAt!: Date;
}
