import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Role } from '../../../platform/auth/identity.js';

/**
 * Authors' roles (a moderator may not act on staff): from `user.registered`, and from the
 * verified identity of anyone who calls this subgraph. The newest observation wins.
 */
@Entity({ tableName: 'account_roles' })
export class AccountRole {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  role!: Role;

  @Property({ type: 'datetime' })
  changedAt!: Date;
}
