import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { pageLoader } from '../../../platform/page-loader.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../platform/pagination.js';
import type { Companion } from '../entities/companion.js';
import type { Conversation } from '../entities/conversation.js';
import { Message } from '../entities/message.js';
import type { CompanionsContext } from '../services/index.js';
import { companionLoader } from '../services/loaders.js';
import { CompanionNode, ConversationNode, MessageConnection, UserRef } from './types.js';

@Resolver(() => ConversationNode)
export class ConversationResolver {
  @Authorized()
  @Query(() => ConversationNode, { nullable: true, description: "One of the viewer's own conversations." })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: CompanionsContext): Promise<Conversation | null> {
    return ctx.services.conversations.find(ctx, id);
  }

  @Authorized()
  @Mutation(() => ConversationNode)
  startConversation(@Arg('companionId', () => ID) companionId: string, @Ctx() ctx: CompanionsContext) {
    return ctx.services.conversations.start(ctx, companionId);
  }

  @FieldResolver(() => UserRef)
  user(@Root() conversation: Conversation): UserRef {
    return { id: conversation.userId };
  }

  @FieldResolver(() => CompanionNode)
  async companion(@Root() conversation: Conversation, @Ctx() ctx: CompanionsContext): Promise<Companion> {
    return (await companionLoader(ctx.loaders, ctx.em).load(conversation.companion.id))!;
  }

  @FieldResolver(() => MessageConnection, { description: 'Oldest first.' })
  async messages(
    @Root() conversation: Conversation,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: CompanionsContext,
  ): Promise<Page<Message>> {
    const size = pageSize(first);
    const loader = pageLoader(ctx.loaders, ctx.em, Message, {
      name: 'conversation.messages',
      table: 'messages',
      parentColumn: 'conversation_id',
      order: 'asc',
    });
    return toPage(await loader.load({ parentId: conversation.id, size, afterId: decodeCursor(after) }), size);
  }
}
