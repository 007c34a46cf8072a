import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';
import { Conversation } from './conversation.js';

export const MESSAGE_ROLES = ['USER', 'ASSISTANT', 'SYSTEM'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
export const MESSAGE_STATUSES = ['STREAMING', 'COMPLETE', 'CANCELLED', 'FAILED', 'BLOCKED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

@Entity({ tableName: 'messages' })
@Index({ properties: ['conversation', 'id'] })
@Index({ properties: ['status', 'progressAt'] })
export class Message {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Conversation)
  conversation!: Conversation;

  @Enum({ items: () => MESSAGE_ROLES as unknown as string[], type: 'string' })
  role!: MessageRole;

  @Property({ type: 'text' })
  content!: string;

  @Enum({ items: () => MESSAGE_STATUSES as unknown as string[], type: 'string' })
  status!: MessageStatus;

  @Property({ type: 'string', length: 32, nullable: true })
  finishReason?: string | null;

  @Property({ type: 'integer', nullable: true })
  promptTokens?: number | null;

  @Property({ type: 'integer', nullable: true })
  completionTokens?: number | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;

  /**
   * While STREAMING: when the generating replica last recorded progress (content so far is
   * flushed with it). A reply whose progress stops is settled by the sweeper.
   */
  @Property({ type: 'datetime', nullable: true })
  progressAt?: Date | null;

  /**
   * While BLOCKED by moderation: the status to restore if the decision is reversed. The text is
   * kept in `content` (withheld from everyone but staff), so an overturned appeal loses nothing.
   */
  @Property({ type: 'string', length: 16, nullable: true })
  statusBeforeBlock?: MessageStatus | null;

  /** When the newest moderation event applied to this message happened (an older one changes nothing). */
  @Property({ type: 'datetime', nullable: true })
  moderatedAt?: Date | null;
}
