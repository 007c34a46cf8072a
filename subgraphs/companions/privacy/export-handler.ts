import type { EventBus } from '../../../platform/events/event-bus.js';
import { answerExportRequests } from '../../../platform/events/export-parts.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import { Message } from '../entities/message.js';
import { exportRequests } from '../events.js';

/**
 * The companions part of a data export (docs/privacy.md, "Export"): the companions the user
 * made (deleted ones too, while their row exists), their conversations and every message of
 * them, the companion's replies included, as stored (blocked ones with their status).
 */
export async function gatherCompanionsData(orm: Orm, userId: string) {
  const em = orm.em.fork();
  const companions = await em.find(Companion, { ownerId: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const conversations = await em.find(Conversation, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const messages = conversations.length
    ? await em.find(
        Message,
        { conversation: { $in: conversations.map((conversation) => conversation.id) } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      )
    : [];
  return {
    companions: companions.map((companion) => ({
      id: companion.id,
      name: companion.name,
      description: companion.description,
      personality: companion.personality,
      visibility: companion.visibility,
      createdAt: companion.createdAt,
      updatedAt: companion.updatedAt,
      deletedAt: companion.deletedAt ?? null,
      blockedAt: companion.blockedAt ?? null,
    })),
    conversations: conversations.map((conversation) => ({
      id: conversation.id,
      companionId: conversation.companion.id,
      title: conversation.title ?? null,
      createdAt: conversation.createdAt,
      lastMessageAt: conversation.lastMessageAt ?? null,
    })),
    messages: messages.map((message) => ({
      id: message.id,
      conversationId: message.conversation.id,
      role: message.role,
      content: message.content,
      status: message.status,
      finishReason: message.finishReason ?? null,
      promptTokens: message.promptTokens ?? null,
      completionTokens: message.completionTokens ?? null,
      createdAt: message.createdAt,
      completedAt: message.completedAt ?? null,
    })),
  };
}

export async function startCompanionsExport(orm: Orm, bus: EventBus, logger: Logger) {
  const consumer = await answerExportRequests(bus, logger, exportRequests, 'companions', (userId) =>
    gatherCompanionsData(orm, userId),
  );
  return () => consumer.close();
}
