import { appError, ErrorCode, notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { RequestScope } from '../../../platform/context.js';
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
  async start(scope: RequestScope, companionId: string): Promise<Conversation> {
    const viewer = await this.statuses.requireActive(scope);
    const companion = isUuid(companionId) ? await scope.em.findOne(Companion, { id: companionId }) : null;
    if (!canSee(companion, viewer) || companion.blockedAt) throw notFound('Companion');
    const conversation = await scope.em.transactional(async (tx) => {
      const created = tx.create(Conversation, { userId: viewer.userId, companion, title: companion.name });
      stageEvent(tx, 'conversation.started', {
        userId: viewer.userId,
        actorId: viewer.userId,
        payload: { conversationId: created.id, companionId: companion.id },
      });
      return created;
    });
    this.outbox.kick();
    return conversation;
  }

  /** The viewer's own conversation, or null (never someone else's). */
  async find(scope: RequestScope, id: string): Promise<Conversation | null> {
    if (!scope.identity) throw unauthenticated();
    return this.own(scope, id);
  }

  /**
   * The viewer's own conversation, ready for a new message. Its companion turned PRIVATE by
   * someone else is FORBIDDEN with reason COMPANION_UNAVAILABLE: the viewer knows it through
   * the conversation, so unlike a stranger's id it is not hidden behind NOT_FOUND. (A deleted or
   * blocked companion is left to the caller, which answers COMPANION_DELETED / COMPANION_BLOCKED.)
   */
  async require(scope: RequestScope, id: string): Promise<Conversation> {
    const conversation = await this.find(scope, id);
    if (!conversation) throw notFound('Conversation');
    const companion = await companionLoader(scope.loaders, scope.em).load(conversation.companion.id);
    if (companion && !companion.deletedAt && !companion.blockedAt && !isAvailable(companion, scope.identity)) {
      throw appError(ErrorCode.FORBIDDEN, 'This companion is no longer available', {
        reason: 'COMPANION_UNAVAILABLE',
      });
    }
    return conversation;
  }

  /** A conversation referenced by the gateway (`_entities`): the viewer's own, else null. */
  reference(scope: RequestScope, id: string): Promise<Conversation | null> {
    return this.own(scope, id);
  }

  /** A message referenced by the gateway (`_entities`): like `message(id)`. */
  messageReference(scope: RequestScope, id: string): Promise<Message | null> {
    return this.message(scope, id);
  }

  /**
   * A message of the viewer's own conversations, or any message for staff (who review moderated
   * content); null otherwise, exactly like a missing one.
   */
  async message(scope: RequestScope, id: string): Promise<Message | null> {
    if (!isUuid(id)) return null;
    const message = await messageLoader(scope.loaders, scope.em).load(id);
    if (!message) return null;
    if (isStaff(scope.identity)) return message;
    return (await this.own(scope, message.conversation.id)) ? message : null;
  }

  private async own(scope: RequestScope, id: string): Promise<Conversation | null> {
    const viewer = scope.identity;
    if (!viewer) return null;
    const conversation = await conversationLoader(scope.loaders, scope.em).load(id);
    return conversation && conversation.userId === viewer.userId ? conversation : null;
  }
}
