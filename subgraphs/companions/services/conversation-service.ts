import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from '../../../platform/auth/identity.js';
import { notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { Loaders } from '../../../platform/loaders.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import type { AccountStatuses } from './account-statuses.js';
import { canSee } from './companion-service.js';
import { conversationLoader, isUuid } from './loaders.js';

/** Conversations belong to one user; anyone else gets NOT_FOUND, as for a missing one. */
export class ConversationService {
  constructor(
    private readonly outbox: OutboxRelay,
    private readonly statuses: AccountStatuses,
  ) {}

  async start(em: EntityManager, viewer: Identity | null, companionId: string): Promise<Conversation> {
    await this.statuses.requireActive(em, viewer);
    const companion = isUuid(companionId) ? await em.findOne(Companion, { id: companionId }) : null;
    if (!canSee(companion, viewer)) throw notFound('Companion');
    const conversation = await em.transactional(async (tx) => {
      const created = tx.create(Conversation, { userId: viewer!.userId, companion, title: companion.name });
      stageEvent(tx, 'conversation.started', {
        userId: viewer!.userId,
        actorId: viewer!.userId,
        payload: { conversationId: created.id, companionId: companion.id },
      });
      return created;
    });
    this.outbox.kick();
    return conversation;
  }

  /** The viewer's own conversation, or null (never someone else's). */
  async find(em: EntityManager, loaders: Loaders, viewer: Identity | null, id: string): Promise<Conversation | null> {
    if (!viewer) throw unauthenticated();
    const conversation = await conversationLoader(loaders, em).load(id);
    return conversation && conversation.userId === viewer.userId ? conversation : null;
  }

  async require(em: EntityManager, loaders: Loaders, viewer: Identity | null, id: string): Promise<Conversation> {
    const conversation = await this.find(em, loaders, viewer, id);
    if (!conversation) throw notFound('Conversation');
    return conversation;
  }
}
