import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { Role, UserStatus } from '../../../platform/auth/identity.js';
import { ROLES, USER_STATUSES } from '../../../platform/auth/identity.js';

export const PLANS = ['FREE', 'STANDARD', 'PREMIUM', 'VIP'] as const;
export type Plan = (typeof PLANS)[number];

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

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
