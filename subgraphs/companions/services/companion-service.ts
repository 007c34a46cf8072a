import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from '../../../platform/auth/identity.js';
import type { RequestScope } from '../../../platform/context.js';
import { notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../platform/pagination.js';
import { Companion } from '../entities/companion.js';
import type { EntitlementService } from './entitlements.js';
import { companionLoader } from './loaders.js';
import { isStaff } from './staff.js';
import { validateCompanion, type CompanionFields } from './validation.js';

/**
 * A companion the viewer may see: their own, or anyone's PUBLIC one; never a deleted one, and
 * never one moderation rejected (staff excepted, so they can review it).
 */
export function canSee(companion: Companion | null, viewer: Identity | null): companion is Companion {
  if (!companion || companion.deletedAt) return false;
  if (companion.blockedAt && !isStaff(viewer)) return false;
  return companion.visibility === 'PUBLIC' || companion.ownerId === viewer?.userId;
}

/**
 * Whether the viewer may still chat with a companion they reach through one of their
 * conversations: not once it is deleted or blocked by moderation, nor once its owner made it PRIVATE.
 */
export function isAvailable(companion: Companion | null, viewer: Identity | null): companion is Companion {
  if (!companion || companion.deletedAt || companion.blockedAt) return false;
  return companion.visibility === 'PUBLIC' || companion.ownerId === viewer?.userId;
}

/**
 * The persona (description, personality) is the owner's work: shown to the owner always, to
 * others only while the companion is theirs to see. A conversation keeps showing the name.
 */
export function showsPersona(companion: Companion, viewer: Identity | null): boolean {
  return (companion.ownerId === viewer?.userId && !companion.blockedAt) || canSee(companion, viewer);
}

/** Companions: only the owner edits or deletes; PUBLIC ones are listed for everyone. */
export class CompanionService {
  constructor(
    private readonly outbox: OutboxRelay,
    private readonly entitlements: EntitlementService,
  ) {}

  async create(scope: RequestScope, input: CompanionFields): Promise<Companion> {
    const viewer = scope.identity;
    if (!viewer) throw unauthenticated();
    const fields = validateCompanion(input);
    const companion = await scope.em.transactional(async (tx) => {
      await this.entitlements.checkNewCompanion(tx, viewer.userId);
      const created = tx.create(Companion, { ...fields, ownerId: viewer.userId });
      stageEvent(tx, 'companion.created', {
        userId: viewer.userId,
        actorId: viewer.userId,
        payload: { companionId: created.id, visibility: created.visibility },
      });
      this.stageProfile(tx, created, viewer.userId);
      return created;
    });
    this.outbox.kick();
    return companion;
  }

  async update(scope: RequestScope, id: string, input: CompanionFields): Promise<Companion> {
    const { viewer, companion } = await this.owned(scope, id);
    Object.assign(companion, validateCompanion(input));
    await scope.em.transactional(async (tx) => {
      tx.persist(companion);
      this.stageProfile(tx, companion, viewer.userId);
    });
    this.outbox.kick();
    return companion;
  }

  async delete(scope: RequestScope, id: string): Promise<void> {
    const { viewer, companion } = await this.owned(scope, id);
    companion.deletedAt = new Date();
    await scope.em.transactional(async (tx) => {
      tx.persist(companion);
      stageEvent(tx, 'companion.deleted', {
        userId: viewer.userId,
        actorId: viewer.userId,
        payload: { companionId: companion.id },
      });
    });
    this.outbox.kick();
  }

  /** A companion referenced from another subgraph: like `companion(id)`, null unless the viewer may see it. */
  async reference(scope: RequestScope, id: string): Promise<Companion | null> {
    const companion = await companionLoader(scope.loaders, scope.em).load(id);
    return canSee(companion, scope.identity) ? companion : null;
  }

  /** The catalogue: every PUBLIC companion plus the viewer's own, newest first. */
  async list(scope: RequestScope, first?: number | null, after?: string | null): Promise<Page<Companion>> {
    const viewer = scope.identity;
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const visible = viewer
      ? { $or: [{ visibility: 'PUBLIC' as const }, { ownerId: viewer.userId }] }
      : { visibility: 'PUBLIC' as const };
    const rows = await scope.em.find(
      Companion,
      { deletedAt: null, blockedAt: null, ...visible, ...(afterId ? { id: { $lt: afterId } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return toPage(rows, size);
  }

  /** Someone else's companion is NOT_FOUND, exactly like a missing one: nothing is revealed. */
  private async owned(scope: RequestScope, id: string): Promise<{ viewer: Identity; companion: Companion }> {
    const viewer = scope.identity;
    if (!viewer) throw unauthenticated();
    const companion = await scope.em.findOne(Companion, { id, deletedAt: null, blockedAt: null });
    if (!companion || companion.ownerId !== viewer.userId) throw notFound('Companion');
    return { viewer, companion };
  }

  private stageProfile(tx: EntityManager, companion: Companion, userId: string) {
    stageEvent(tx, 'content.posted', {
      userId,
      actorId: userId,
      payload: {
        kind: 'COMPANION_PROFILE',
        contentId: companion.id,
        conversationId: null,
        text: [companion.name, companion.description, companion.personality.join(', ')].join('\n'),
      },
    });
  }
}
