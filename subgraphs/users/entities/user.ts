import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { Role, UserStatus } from '../../../platform/auth/identity.js';
import { ROLES, USER_STATUSES } from '../../../platform/auth/identity.js';

import { PLANS, type Plan } from '../../../platform/plans.js';

export { PLANS, type Plan };

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** Stored lower-cased so uniqueness ignores case. */
  @Property({ type: 'string', length: 254 })
  @Index({ name: 'users_email_unique', expression: 'create unique index "users_email_unique" on "users" ("email")' })
  email!: string;

  @Property({ type: 'string', length: 64 })
  displayName!: string;

  @Property({ type: 'string', hidden: true, lazy: true })
  passwordHash!: string;

  @Enum({ items: () => ROLES as unknown as string[], type: 'string', default: 'USER' })
  role: Opt<Role> = 'USER';

  @Enum({ items: () => USER_STATUSES as unknown as string[], type: 'string', default: 'ACTIVE' })
  status: Opt<UserStatus> = 'ACTIVE';

  @Enum({ items: () => PLANS as unknown as string[], type: 'string', default: 'FREE' })
  plan: Opt<Plan> = 'FREE';

  /** Tokens issued before this instant are refused (password change, sanction). */
  @Property({ type: 'datetime', nullable: true })
  tokensValidAfter?: Date | null;

  /** End of a SUSPENDED status; the sweeper (services/suspension-sweeper.ts) lifts it then. */
  @Property({ type: 'datetime', nullable: true })
  @Index({
    name: 'users_suspended_until_index',
    expression:
      'create index "users_suspended_until_index" on "users" ("suspended_until") where "status" = \'SUSPENDED\'',
  })
  suspendedUntil?: Date | null;

  /**
   * When the status last changed (moderator, moderation decision, sweeper): a decision
   * older than this never overwrites the newer status.
   */
  @Property({ type: 'datetime', nullable: true })
  statusChangedAt?: Date | null;

  /** The moderation case behind the current WARNED/SUSPENDED/BANNED status (null: set by hand). */
  @Property({ type: 'uuid', nullable: true })
  sanctionCaseId?: string | null;

  /** A display name moderation removed (kept so that an overturned decision restores it). */
  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  removedDisplayName?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
