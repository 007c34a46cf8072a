import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { forbidden } from '../../../platform/errors.js';
import { pageLoader } from '../../../platform/page-loader.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../platform/pagination.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import type { CompanionsContext } from '../services/index.js';
import { CompanionConnection, ConversationConnection, UserRef } from './types.js';

@Resolver(() => UserRef)
export class UserCompanionsResolver {
  @FieldResolver(() => CompanionConnection, {
    description: 'Their PUBLIC companions; all of them for the user themselves.',
  })
  async companions(
    @Root() user: UserRef,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: CompanionsContext,
  ): Promise<Page<Companion>> {
    const size = pageSize(first);
    const own = ctx.identity?.userId === user.id;
    const loader = pageLoader(ctx.loaders, ctx.em, Companion, {
      name: 'user.companions',
      table: 'companions',
      parentColumn: 'owner_id',
      order: 'desc',
      where: own
        ? 't."deleted_at" is null and t."blocked_at" is null'
        : `t."deleted_at" is null and t."blocked_at" is null and t."visibility" = 'PUBLIC'`,
    });
    return toPage(await loader.load({ parentId: user.id, size, afterId: decodeCursor(after) }), size);
  }

  @FieldResolver(() => ConversationConnection, { description: 'The user themselves only; newest first.' })
  async conversations(
    @Root() user: UserRef,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: CompanionsContext,
  ): Promise<Page<Conversation>> {
    if (ctx.identity?.userId !== user.id) throw forbidden('Conversations are visible to their owner only');
    const size = pageSize(first);
    const loader = pageLoader(ctx.loaders, ctx.em, Conversation, {
      name: 'user.conversations',
      table: 'conversations',
      parentColumn: 'user_id',
      order: 'desc',
    });
    return toPage(await loader.load({ parentId: user.id, size, afterId: decodeCursor(after) }), size);
  }
}
