import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, enumOf } from '../../../platform/graphql-types.js';
import { VISIBILITIES, type Visibility } from '../entities/companion.js';
import { MESSAGE_ROLES, MESSAGE_STATUSES, type MessageRole, type MessageStatus } from '../entities/message.js';

export const VisibilityEnum = enumOf(VISIBILITIES);
export const MessageRoleEnum = enumOf(MESSAGE_ROLES);
export const MessageStatusEnum = enumOf(MESSAGE_STATUSES);
registerEnumType(VisibilityEnum, { name: 'Visibility' });
registerEnumType(MessageRoleEnum, { name: 'MessageRole' });
registerEnumType(MessageStatusEnum, {
  name: 'MessageStatus',
  valuesConfig: {
    BLOCKED: {
      description:
        'Withheld by moderation: content is empty for everyone but MODERATOR and ADMIN; a blocked reply was never answered or was withdrawn.',
    },
  },
});

/** The users subgraph's User, extended here with companions and conversations. */
@ObjectType('User')
@Directive('@key(fields: "id")')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType('Companion')
@Directive('@key(fields: "id")')
export class CompanionNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Empty for anyone but the owner once the companion is unavailable.' })
  description!: string;

  @Field(() => [String], { description: 'Empty for anyone but the owner once the companion is unavailable.' })
  personality!: string[];

  @Field(() => VisibilityEnum)
  visibility!: Visibility;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('Message')
@Directive('@key(fields: "id")')
export class MessageNode {
  @Field(() => ID)
  id!: string;

  @Field(() => MessageRoleEnum)
  role!: MessageRole;

  @Field(() => String)
  content!: string;

  @Field(() => MessageStatusEnum)
  status!: MessageStatus;

  @Field(() => String, { nullable: true, description: 'Why generation stopped: stop, length, cancelled, timeout, …' })
  finishReason?: string | null;

  @Field(() => Int, { nullable: true })
  promptTokens?: number | null;

  @Field(() => Int, { nullable: true })
  completionTokens?: number | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('Conversation')
@Directive('@key(fields: "id")')
export class ConversationNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastMessageAt?: Date | null;
}

export const CompanionConnection = connectionType('Companion', CompanionNode);
export const ConversationConnection = connectionType('Conversation', ConversationNode);
export const MessageConnection = connectionType('Message', MessageNode);

@ObjectType('SendMessagePayload')
export class SendMessagePayload {
  @Field(() => MessageNode, { description: "The user's message, stored." })
  message!: MessageNode;

  @Field(() => MessageNode, {
    description:
      'The reply, STREAMING: subscribe to replyStream(messageId: reply.id). BLOCKED (no text, finishReason "blocked") ' +
      'when the message was blocked: nothing will be generated.',
  })
  reply!: MessageNode;
}

@ObjectType('ReplyChunk')
export class ReplyChunkNode {
  @Field(() => ID)
  messageId!: string;

  @Field(() => Int, { description: '0, 1, 2, … in order; the final chunk has the next index and an empty delta.' })
  index!: number;

  @Field(() => String)
  delta!: string;

  @Field(() => Boolean)
  done!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'On the final chunk: stop, length, cancelled, timeout, upstream, … or blocked (moderation withheld the reply).',
  })
  finishReason?: string | null;
}

@InputType('CompanionInput')
export class CompanionInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [String])
  personality!: string[];

  @Field(() => VisibilityEnum)
  visibility!: Visibility;
}
