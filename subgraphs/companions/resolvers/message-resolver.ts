import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { Conversation } from '../entities/conversation.js';
import type { Message } from '../entities/message.js';
import type { CompanionsContext } from '../services/index.js';
import { conversationLoader, messageLoader } from '../services/loaders.js';
import { isStaff } from '../services/staff.js';
import type { ReplyChunkEvent } from '../services/reply-streams.js';
import { ConversationNode, MessageNode, ReplyChunkNode, SendMessagePayload } from './types.js';

interface ReplyStreamArgs {
  messageId: string;
  fromIndex?: number | null;
}

@Resolver(() => MessageNode)
export class MessageResolver {
  @FieldResolver(() => ConversationNode)
  async conversation(@Root() message: Message, @Ctx() ctx: CompanionsContext): Promise<Conversation> {
    return (await conversationLoader(ctx.loaders, ctx.em).load(message.conversation.id))!;
  }

  @FieldResolver(() => String, {
    description:
      'The text. Empty while the message is BLOCKED by moderation, except for MODERATOR and ADMIN ' +
      '(the text is kept: an overturned appeal restores it).',
  })
  content(@Root() message: Message, @Ctx() ctx: CompanionsContext): string {
    return message.status === 'BLOCKED' && !isStaff(ctx.identity) ? '' : message.content;
  }

  @Authorized()
  @Query(() => MessageNode, {
    nullable: true,
    description: "One of the viewer's messages; MODERATOR and ADMIN: any message (to review moderated content).",
  })
  message(@Arg('id', () => ID) id: string, @Ctx() ctx: CompanionsContext): Promise<Message | null> {
    return ctx.services.conversations.message(ctx, id);
  }

  @Authorized()
  @Mutation(() => SendMessagePayload, {
    description:
      'Stores the message, starts the reply (STREAMING) and returns at once. One reply at a time. ' +
      'A message the content classifier rejects is stored BLOCKED and not answered: the reply comes back ' +
      'BLOCKED too, with no text and finishReason "blocked".',
  })
  sendMessage(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('content', () => String) content: string,
    @Ctx() ctx: CompanionsContext,
  ) {
    return ctx.services.chat.send(ctx, conversationId, content);
  }

  @Authorized()
  @Mutation(() => MessageNode, { description: 'Stops a streaming reply; the text so far is kept, status CANCELLED.' })
  cancelReply(@Arg('messageId', () => ID) messageId: string, @Ctx() ctx: CompanionsContext): Promise<Message> {
    return ctx.services.chat.cancel(ctx, messageId);
  }

  @Authorized()
  @Subscription(() => ReplyChunkNode, {
    description: 'A reply token by token. fromIndex resumes after a drop; a finished reply gives one final chunk.',
    subscribe: ({ args, context }: { args: ReplyStreamArgs; context: CompanionsContext }) =>
      context.services.chat.stream(context, args.messageId, args.fromIndex ?? null),
  })
  replyStream(
    @Root() chunk: ReplyChunkEvent,
    @Arg('messageId', () => ID) _messageId: string,
    @Arg('fromIndex', () => Int, { nullable: true }) _fromIndex: number | null,
  ): ReplyChunkEvent {
    return chunk;
  }
}

@Resolver(() => ReplyChunkNode)
export class ReplyChunkResolver {
  @FieldResolver(() => MessageNode, {
    nullable: true,
    description:
      'The reply message: as first loaded while streaming (one read per subscription), as stored on the final chunk.',
  })
  message(@Root() chunk: ReplyChunkEvent, @Ctx() ctx: CompanionsContext): Promise<Message | null> {
    return chunk.done
      ? ctx.services.chat.stored(chunk.messageId)
      : messageLoader(ctx.loaders, ctx.em).load(chunk.messageId);
  }
}
