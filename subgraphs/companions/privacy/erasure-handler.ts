import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import { Message } from '../entities/message.js';
import { MessageQuotaUsage } from '../entities/message-quota.js';
import { erasureRequests } from '../events.js';

/**
 * The companions part of an erasure (docs/privacy.md): the user's conversations and messages
 * are deleted, so are their companions; a public companion others still talk to keeps its row
 * (their conversations point at it) but loses its name, description and personality. Events
 * this subgraph wrote about the user (message texts in content.posted) leave the outbox.
 * Idempotent: a redelivered request finds nothing left and confirms again.
 */
export async function eraseCompanionsData(orm: Orm, outbox: OutboxRelay, userId: string): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    const conversations = await tx.find(Conversation, { userId }, { fields: ['id'] });
    const ids = conversations.map((conversation) => conversation.id);
    if (ids.length) {
      await tx.nativeDelete(Message, { conversation: { $in: ids } });
      await tx.nativeDelete(Conversation, { id: { $in: ids } });
    }
    await tx.nativeDelete(MessageQuotaUsage, { userId });
    const owned = await tx.find(Companion, { ownerId: userId }, { fields: ['id'] });
    for (const { id } of owned) {
      if (await tx.count(Conversation, { companion: id })) {
        await tx.nativeUpdate(
          Companion,
          { id },
          { name: 'Deleted companion', description: '', personality: [], deletedAt: new Date() },
        );
      } else {
        await tx.nativeDelete(Companion, { id });
      }
    }
    await tx.nativeDelete(OutboxMessage, { key: userId, publishedAt: { $ne: null } });
    stageEvent(tx, 'user.erasure_completed', { userId, actorId: null, payload: { subgraph: 'companions' } });
  });
  outbox.kick();
}

export async function startCompanionsErasure(orm: Orm, outbox: OutboxRelay, bus: EventBus, logger: Logger) {
  const consumer = await consumeEvents(bus, logger, erasureRequests, {
    'user.erasure_requested': (event) => eraseCompanionsData(orm, outbox, event.userId),
  });
  return () => consumer.close();
}
