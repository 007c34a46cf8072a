import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { Identity } from '../../../platform/auth/identity.js';
import type { RequestScope } from '../../../platform/context.js';
import { badInput, notFound } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { ContentReport } from '../entities/content-report.js';
import { Evidence } from '../entities/evidence.js';
import { ModerationCase, Priority, type ModerationAction, type ModerationStatus } from '../entities/moderation-case.js';
import { ModeratorNote } from '../entities/moderator-note.js';
import type { ModerationSettings } from '../settings.js';
import { caseId, checkActor, checkClaim, conflict, refuse, requireStaff, requireViewer, text } from './access.js';
import { recordDecision } from './decisions.js';
import { recordHistory } from './history.js';
import type { ModerationMetrics } from './metrics.js';
import type { QueueUpdateKind, QueueUpdates } from './queue-updates.js';
import type { AccountRoles } from './roles.js';

export interface RejectInput {
  action: ModerationAction;
  reason: string;
  note?: string | null;
  /** SUSPEND_USER: days from now (fractions allowed), or an explicit end. */
  suspendDays?: number | null;
  suspendUntil?: Date | null;
}

export interface CaseServiceDeps {
  outbox: OutboxRelay;
  queue: QueueUpdates;
  roles: AccountRoles;
  settings: ModerationSettings;
  metrics: ModerationMetrics;
}

const UNDECIDED: readonly ModerationStatus[] = ['PENDING', 'ESCALATED'];
const OPEN: readonly ModerationStatus[] = ['PENDING', 'ESCALATED', 'APPEALED'];

/** Claims, decisions, notes and appeals: every change on a locked row, with its history and events. */
export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  /** A lease so two moderators do not decide the same case; the holder may renew it. */
  claim(scope: RequestScope, id: string): Promise<ModerationCase> {
    const viewer = requireStaff(scope.identity);
    return this.change(scope, id, 'CLAIMED', async (tx, c) => {
      if (!OPEN.includes(c.status)) throw alreadyDecided();
      await checkActor(tx, this.deps.roles, viewer, c);
      checkClaim(viewer, c);
      c.claimedBy = viewer.userId;
      c.claimedUntil = new Date(Date.now() + this.deps.settings.claimLeaseMs);
      recordHistory(tx, c.id, 'CLAIMED', viewer.userId, `until ${c.claimedUntil.toISOString()}`);
    });
  }

  approve(scope: RequestScope, id: string, note: string | null): Promise<ModerationCase> {
    const viewer = requireStaff(scope.identity);
    const noteText = text(note, 'note', 4000, false);
    return this.change(scope, id, 'DECIDED', async (tx, c) => {
      await this.checkDecidable(tx, viewer, c);
      recordDecision(
        tx,
        c,
        { status: 'APPROVED', action: 'NONE', reason: null, decidedBy: viewer.userId, suspendUntil: null },
        this.deps.metrics,
      );
      if (noteText) this.note(tx, c, viewer, noteText);
    });
  }

  reject(scope: RequestScope, id: string, input: RejectInput): Promise<ModerationCase> {
    const viewer = requireStaff(scope.identity);
    const reason = text(input.reason, 'reason', 2000, true)!;
    const noteText = text(input.note, 'note', 4000, false);
    const suspendUntil = suspensionEnd(input);
    return this.change(scope, id, 'DECIDED', async (tx, c) => {
      await this.checkDecidable(tx, viewer, c);
      recordDecision(
        tx,
        c,
        { status: 'REJECTED', action: input.action, reason, decidedBy: viewer.userId, suspendUntil },
        this.deps.metrics,
      );
      if (input.action === 'REPORT_TO_AUTHORITIES') await this.preserveEvidence(tx, c, viewer, reason);
      if (noteText) this.note(tx, c, viewer, noteText);
    });
  }

  addNote(scope: RequestScope, id: string, body: string): Promise<ModerationCase> {
    const viewer = requireStaff(scope.identity);
    const noteText = text(body, 'text', 4000, true)!;
    return this.change(scope, id, null, async (tx, c) => {
      this.note(tx, c, viewer, noteText);
    });
  }

  /** The author, once, within the window, on a REJECTED case. */
  appeal(scope: RequestScope, id: string, reasonText: string): Promise<ModerationCase> {
    const viewer = requireViewer(scope.identity);
    const reason = text(reasonText, 'reason', 2000, true)!;
    return this.change(scope, id, 'APPEALED', async (tx, c) => {
      if (c.authorId !== viewer.userId) throw refuse('Only the author may appeal', 'NOT_AUTHOR');
      if (c.appealedAt) throw conflict('This decision was already appealed', 'APPEAL_ALREADY_FILED');
      if (c.status !== 'REJECTED') throw conflict('Only a rejection can be appealed', 'CASE_NOT_REJECTED');
      if (c.decidedAt && Date.now() - c.decidedAt.getTime() > this.deps.settings.appealWindowMs) {
        throw conflict('The appeal window has closed', 'APPEAL_WINDOW_CLOSED');
      }
      c.status = 'APPEALED';
      c.appealReason = reason;
      c.appealedAt = new Date();
      c.priority = Priority.normal;
      recordHistory(tx, c.id, 'APPEALED', viewer.userId, reason);
    });
  }

  /** upheld: the rejection stands; not upheld: overturned, APPROVED, and a reversal event. */
  resolveAppeal(scope: RequestScope, id: string, upheld: boolean, note: string | null): Promise<ModerationCase> {
    const viewer = requireStaff(scope.identity);
    const noteText = text(note, 'note', 4000, false);
    return this.change(scope, id, 'APPEAL_RESOLVED', async (tx, c) => {
      if (c.status !== 'APPEALED') throw conflict('This case has no open appeal', 'CASE_NOT_APPEALED');
      await checkActor(tx, this.deps.roles, viewer, c);
      if (c.rejectedBy === viewer.userId) {
        throw refuse('An appeal is decided by a different moderator', 'SAME_MODERATOR');
      }
      checkClaim(viewer, c);
      c.appealOutcome = upheld ? 'UPHELD' : 'OVERTURNED';
      c.appealResolvedBy = viewer.userId;
      c.appealResolvedAt = new Date();
      c.appealNote = noteText;
      if (upheld) {
        recordDecision(
          tx,
          c,
          {
            status: 'REJECTED',
            action: c.action ?? 'DELETE_CONTENT',
            reason: c.reason ?? null,
            decidedBy: viewer.userId,
            suspendUntil: c.suspendUntil ?? null,
            appeal: true,
          },
          this.deps.metrics,
        );
      } else {
        this.overturn(tx, c, viewer, noteText);
      }
      if (noteText) this.note(tx, c, viewer, noteText);
    });
  }

  private overturn(tx: EntityManager, c: ModerationCase, viewer: Identity, note: string | null) {
    stageEvent(tx, 'moderation.reversed', {
      userId: c.authorId ?? viewer.userId,
      actorId: viewer.userId,
      payload: {
        caseId: c.id,
        contentType: c.contentType,
        contentId: c.contentId,
        authorId: c.authorId ?? null,
        reversedAction: c.action ?? 'NONE',
        reversedSuspendUntil: c.suspendUntil?.toISOString() ?? null,
        reason: note,
        decidedBy: viewer.userId,
      },
    });
    this.deps.metrics.decisions.inc({
      outcome: 'APPROVED',
      mode: 'appeal',
      provider: c.provider,
      content_type: c.contentType,
    });
    recordHistory(tx, c.id, 'APPEAL_OVERTURNED', viewer.userId, `reversed ${c.action ?? 'NONE'}`);
    c.status = 'APPROVED';
    c.action = 'NONE';
    c.suspendUntil = null;
    c.decidedBy = viewer.userId;
    c.decidedAt = new Date();
    c.automatic = false;
    c.claimedBy = null;
    c.claimedUntil = null;
  }

  private async checkDecidable(tx: EntityManager, viewer: Identity, c: ModerationCase) {
    if (!UNDECIDED.includes(c.status)) throw alreadyDecided();
    await checkActor(tx, this.deps.roles, viewer, c);
    checkClaim(viewer, c);
  }

  private note(tx: EntityManager, c: ModerationCase, viewer: Identity, body: string) {
    tx.persist(tx.create(ModeratorNote, { caseId: c.id, authorId: viewer.userId, text: body }));
    recordHistory(tx, c.id, 'NOTE', viewer.userId);
  }

  /** A copy that survives content deletion and account erasure; no external call is made. */
  private async preserveEvidence(tx: EntityManager, c: ModerationCase, viewer: Identity, reason: string) {
    if (await tx.findOne(Evidence, { caseId: c.id })) return;
    const reports = await tx.find(ContentReport, { caseId: c.id }, { orderBy: { createdAt: 'asc' } });
    tx.persist(
      tx.create(Evidence, {
        caseId: c.id,
        contentType: c.contentType,
        contentId: c.contentId,
        authorId: c.authorId ?? null,
        contentText: c.contentText ?? null,
        contentRef: c.contentRef ?? null,
        reports: reports.map((r) => ({
          reporterId: r.reporterId,
          reason: r.reason,
          details: r.details ?? null,
          createdAt: r.createdAt.toISOString(),
        })),
        contentCreatedAt: c.createdAt,
        reason,
        referredBy: viewer.userId,
      }),
    );
    recordHistory(tx, c.id, 'REFERRED', viewer.userId, reason);
  }

  /** Locks the case, applies `work`, commits, then tells the queue's subscribers. */
  private async change(
    scope: RequestScope,
    id: string,
    kind: QueueUpdateKind | null,
    work: (tx: EntityManager, c: ModerationCase) => Promise<void>,
  ): Promise<ModerationCase> {
    const viewer = scope.identity!;
    await this.deps.roles.observe(scope.em, viewer);
    const changed = await scope.em.transactional(async (tx) => {
      const c = await tx.findOne(ModerationCase, { id: caseId(id) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!c) throw caseNotFound();
      await work(tx, c);
      return c;
    });
    this.deps.outbox.kick();
    if (kind) {
      await this.deps.queue.publish({ kind, caseId: changed.id, status: changed.status, actorId: viewer.userId });
    }
    return changed;
  }
}

const alreadyDecided = () => conflict('This case has already been decided', 'CASE_ALREADY_DECIDED');
const caseNotFound = () => notFound('Moderation case');

function suspensionEnd(input: RejectInput): Date | null {
  if (input.action !== 'SUSPEND_USER') return null;
  if (input.suspendUntil) {
    if (input.suspendUntil.getTime() <= Date.now()) {
      throw badInput('suspendUntil must be in the future', 'suspendUntil', 'SUSPENSION_IN_PAST');
    }
    return input.suspendUntil;
  }
  const days = input.suspendDays;
  if (days === null || days === undefined || !Number.isFinite(days) || days <= 0 || days > 3650) {
    throw badInput(
      'SUSPEND_USER needs suspendDays (0 < days ≤ 3650) or suspendUntil',
      'suspendDays',
      'SUSPENSION_END_REQUIRED',
    );
  }
  return new Date(Date.now() + days * 86_400_000);
}
