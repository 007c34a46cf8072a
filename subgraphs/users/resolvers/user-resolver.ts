import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { UserStatus } from '../../../platform/auth/identity.js';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import { badInput } from '../../../platform/errors.js';
import type { User } from '../entities/user.js';
import type { UsersContext } from '../services/index.js';
import { isUuid, userLoader } from '../services/user-loader.js';
import { UpdateProfileInput, UserNode, UserStatusEnum } from './types.js';

const MAX_IDS = 100;

@Resolver(() => UserNode)
export class UserResolver {
  @AllowRestricted()
  @Query(() => UserNode, { nullable: true, description: 'The signed-in user; null without a token.' })
  async me(@Ctx() ctx: UsersContext): Promise<User | null> {
    if (!ctx.identity) return null;
    return (await ctx.services.sessions.requireLive(ctx)).user;
  }

  @Authorized()
  @Query(() => UserNode, { nullable: true })
  user(@Arg('id', () => ID) id: string, @Ctx() ctx: UsersContext): Promise<User | null> {
    if (!isUuid(id)) throw badInput('id is not a valid user id', 'id');
    return userLoader(ctx).load(id);
  }

  @Authorized()
  @Query(() => [UserNode], {
    nullable: 'items',
    description: `Up to ${MAX_IDS} users by id, in the order asked; null where unknown.`,
  })
  users(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: UsersContext): Promise<(User | null)[]> {
    if (ids.length > MAX_IDS) throw badInput(`At most ${MAX_IDS} ids`, 'ids');
    return userLoader(ctx)
      .loadMany(ids)
      .then((rows) => rows.map((row) => (row instanceof Error ? null : row)));
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'When a suspension ends by itself: the user themselves and staff; null otherwise.',
  })
  suspendedUntil(@Root() user: User, @Ctx() ctx: UsersContext): Date | null {
    const viewer = ctx.identity;
    const allowed = viewer && (viewer.userId === user.id || viewer.role !== 'USER');
    return allowed && user.status === 'SUSPENDED' ? (user.suspendedUntil ?? null) : null;
  }

  @FieldResolver(() => String, { nullable: true })
  email(@Root() user: User, @Ctx() ctx: UsersContext): string | null {
    const viewer = ctx.identity;
    return viewer && (viewer.userId === user.id || viewer.role === 'ADMIN') ? user.email : null;
  }

  @Authorized()
  @Mutation(() => UserNode)
  updateProfile(
    @Arg('input', () => UpdateProfileInput) input: UpdateProfileInput,
    @Ctx() ctx: UsersContext,
  ): Promise<User> {
    return ctx.services.accounts.updateProfile(ctx, input);
  }

  @Authorized('MODERATOR')
  @Mutation(() => UserNode, {
    description: 'Warn, suspend, ban or reinstate a user. SUSPENDED and BANNED end all their sessions at once.',
  })
  setUserStatus(
    @Arg('userId', () => ID) userId: string,
    @Arg('status', () => UserStatusEnum) status: UserStatus,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: UsersContext,
  ): Promise<User> {
    if (!isUuid(userId)) throw badInput('userId is not a valid user id', 'userId');
    if (status === 'DELETED') throw badInput('Deletion is not a status change', 'status');
    return ctx.services.accounts.setStatus(ctx, userId, status, reason ?? null);
  }
}
