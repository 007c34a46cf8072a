import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Plan } from '../../../platform/plans.js';

/**
 * Each account's plan as the users subgraph announces it (`user.plan_changed` on
 * `user-lifecycle`); no row means FREE. Only the newest event counts, so redelivered or
 * reordered events change nothing.
 */
@Entity({ tableName: 'account_plans' })
export class AccountPlan {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  plan!: Plan;

  @Property({ type: 'datetime' })
  changedAt!: Date;
}
