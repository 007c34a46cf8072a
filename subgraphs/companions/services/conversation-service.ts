import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from '../../../platform/auth/identity.js';
import { appError, ErrorCode, notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { RequestScope } from '../../../platform/context.js';
import type { Loaders } from '../../../platform/loaders.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import type { Message } from '../entities/message.js';
import type { AccountStatuses } from './account-statuses.js';
import { canSee, isAvailable } from './companion-service.js';
import { companionLoader, conversationLoader, isUuid, messageLoader } from './loaders.js';
import { isStaff } from './staff.js';

/** Conversations belong to one user; anyone else gets NOT_FOUND, as for a missing one. */
export class ConversationService {
  constructor(
    private readonly outbox: OutboxRelay,
    private readonly statuses: AccountStatuses,
  ) {}

  /** A companion the viewer cannot see is NOT_FOUND, exactly like `companion(id)` answering null. */
  async start(em: EntityManager, viewer: Identity | null, companionId: string): Promise<Conversation> {
    await this.statuses.requireActive(em, viewer);
    const companion = isUuid(companionId) ? await em.findOne(Companion, { id: companionId }) : null;
    if (!canSee(companion, viewer) || companion.blockedAt) throw notFound('Companion');
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
    return this.own(em, loaders, viewer, id);
  }

  /**
   * The viewer's own conversation, ready for a new message. Its companion turned PRIVATE by
   * someone else is FORBIDDEN with reason COMPANION_UNAVAILABLE: the viewer knows it through
   * the conversation, so unlike a stranger's id it is not hidden behind NOT_FOUND. (A deleted or
   * blocked companion is left to the caller, which answers COMPANION_DELETED / COMPANION_BLOCKED.)
   */
  async require(em: EntityManager, loaders: Loaders, viewer: Identity | null, id: string): Promise<Conversation> {
    const conversation = await this.find(em, loaders, viewer, id);
    if (!conversation) throw notFound('Conversation');
    const companion = await companionLoader(loaders, em).load(conversation.companion.id);
    if (companion && !companion.deletedAt && !companion.blockedAt && !isAvailable(companion, viewer)) {
      throw appError(ErrorCode.FORBIDDEN, 'This companion is no longer available', {
        reason: 'COMPANION_UNAVAILABLE',
      });
    }
    return conversation;
  }

  /** A conversation referenced by the gateway (`_entities`): the viewer's own, else null. */
  reference(em: EntityManager, loaders: Loaders, viewer: Identity | null, id: string): Promise<Conversation | null> {
    return this.own(em, loaders, viewer, id);
  }

  /** A message referenced by the gateway (`_entities`): like `message(id)`. */
  messageReference(em: EntityManager, loaders: Loaders, viewer: Identity | null, id: string): Promise<Message | null> {
    return this.message({ em, loaders, identity: viewer }, id);
  }

  /**
   * A message of the viewer's own conversations, or any message for staff (who review moderated
   * content); null otherwise, exactly like a missing one.
   */
  async message(scope: Pick<RequestScope, 'em' | 'loaders' | 'identity'>, id: string): Promise<Message | null> {
    const { em, loaders, identity } = scope;
    if (!isUuid(id)) return null;
    const message = await messageLoader(loaders, em).load(id);
    if (!message) return null;
    if (isStaff(identity)) return message;
    return (await this.own(em, loaders, identity, message.conversation.id)) ? message : null;
  }

  private async own(
    em: EntityManager,
    loaders: Loaders,
    viewer: Identity | null,
    id: string,
  ): Promise<Conversation | null> {
    if (!viewer) return null;
    const conversation = await conversationLoader(loaders, em).load(id);
    return conversation && conversation.userId === viewer.userId ? conversation : null;
  }
}
