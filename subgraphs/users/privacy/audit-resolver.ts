import {
  Arg,
  Authorized,
  Ctx,
  Field,
  ID,
  InputType,
  Int,
  ObjectType,
  Query,
  Resolver,
  registerEnumType,
} from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { connectionType, enumOf } from '../../../platform/graphql-types.js';
import { badInput } from '../../../platform/errors.js';
import type { UsersContext } from '../services/index.js';
import { isUuid } from '../services/user-loader.js';
import { AUDIT_CATEGORIES, type AuditCategory } from './audit-entry.js';

export const AuditCategoryEnum = enumOf(AUDIT_CATEGORIES);
registerEnumType(AuditCategoryEnum, {
  name: 'AuditCategory',
  description: 'STAFF_ACTION: what staff (or moderation) did to an account; SECURITY: security-relevant events.',
});

@ObjectType('AuditEntry', { description: 'One line of the append-only audit log.' })
export class AuditEntryNode {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => AuditCategoryEnum)
  category!: AuditCategory;

  @Field(() => String, { description: 'What happened, e.g. user.status_changed, auth.sign_in_failures.' })
  action!: string;

  @Field(() => ID, { nullable: true, description: 'Who did it; null for the system.' })
  actorId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The account it concerns.' })
  subjectId!: string | null;

  @Field(() => JSONObjectResolver, { description: 'Facts about the action (ids, statuses); never personal data.' })
  details!: Record<string, unknown>;
}

const AuditEntryConnection = connectionType('AuditEntry', AuditEntryNode);

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @Field(() => AuditCategoryEnum, { nullable: true })
  category?: AuditCategory | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => ID, { nullable: true })
  actorId?: string | null;

  @Field(() => ID, { nullable: true })
  subjectId?: string | null;
}

@Resolver()
export class AuditResolver {
  @Authorized()
  @Query(() => AuditEntryConnection, { description: 'Admins only: the audit log, newest first.' })
  auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: UsersContext,
  ) {
    for (const field of ['actorId', 'subjectId'] as const) {
      const value = filter?.[field];
      if (value && !isUuid(value)) throw badInput(`${field} is not a valid user id`, `filter.${field}`);
    }
    return ctx.services.privacy.audit.list(ctx, filter ?? {}, first, after);
  }
}
