import { Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { forbidden } from '../../../platform/errors.js';
import type { Usage } from '../services/entitlements.js';
import type { CompanionsContext } from '../services/index.js';
import { UserRef } from './types.js';

@ObjectType('Usage', { description: "What the user used of their plan's limits (docs/billing.md has the plan table)." })
export class UsageNode {
  @Field(() => Int, { description: 'Messages sent since 00:00 UTC.' })
  messagesToday!: number;

  @Field(() => Int)
  messagesLimit!: number;

  @Field(() => Int, { description: 'Companions owned now (not deleted).' })
  companionsOwned!: number;

  @Field(() => Int, { description: 'More than this blocks creating new ones; existing ones stay.' })
  companionsLimit!: number;

  @Field(() => Date, { description: 'When messagesToday starts again from 0 (next 00:00 UTC).' })
  resetsAt!: Date;
}

@Resolver(() => UserRef)
export class UserUsageResolver {
  @FieldResolver(() => UsageNode, { description: 'The user themselves only (FORBIDDEN otherwise).' })
  async usage(@Root() user: UserRef, @Ctx() ctx: CompanionsContext): Promise<Usage> {
    if (ctx.identity?.userId !== user.id) throw forbidden('Usage is visible to the user only');
    return ctx.services.entitlements.usage(ctx.em, user.id);
  }
}
