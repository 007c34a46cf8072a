import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { EventBus } from '../../../platform/events/event-bus.js';
import type { OutboxRelay } from '../../../platform/events/outbox.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { EventPayload } from '../../../schema/events/contracts.js';
import { ModerationCase, type ContentType } from '../entities/moderation-case.js';
import { contentEvents } from '../events.js';
import type { ModerationSettings } from '../settings.js';
import type { ModerationClassifier, ModerationContent, ModerationVerdict } from './classifiers/index.js';
import { recordDecision } from './decisions.js';
import { recordHistory } from './history.js';
import type { ModerationMetrics } from './metrics.js';
import type { QueueUpdates } from './queue-updates.js';

/** A verdict as a case stores it: no confidence when nobody could judge the content. */
type Verdict = Omit<ModerationVerdict, 'confidence'> & { confidence: number | null };

/** What the classifier judges, from a submission (content events carry one text per item). */
function contentOf(submission: Submission): ModerationContent {
  const text = submission.text ?? '';
  switch (submission.contentType) {
    case 'IMAGE':
    case 'AUDIO':
    case 'VIDEO': {
      // Without a reference the classifier refuses it, and the case goes to a human.
      const { url = '', mimeType = '', size = 0, sha256 = '', bytes } = submission.media ?? {};
      return { type: submission.contentType, url, mimeType, sizeBytes: size, sha256, ...(bytes ? { bytes } : {}) };
    }
    case 'COMPANION':
      return { type: 'COMPANION', name: '', description: text, persona: '' };
    case 'USER_PROFILE':
      return { type: 'USER_PROFILE', displayName: text };
    default:
      return { type: 'MESSAGE', text };
  }
}

/** Content to turn into a case. */
export interface Submission {
  /** The content event's id (idempotency key); absent for staff submissions. */
  eventId?: string;
  contentType: ContentType;
  contentId: string;
  authorId: string | null;
  text?: string;
  media?: { url: string; mimeType: string; size: number; sha256: string; bytes?: Buffer };
  conversationId?: string | null;
  source: 'CONTENT' | 'STAFF';
  actorId: string | null;
}

const KIND_TO_TYPE: Record<EventPayload<'content.posted'>['kind'], ContentType> = {
  USER_MESSAGE: 'MESSAGE',
  COMPANION_REPLY: 'MESSAGE',
  COMPANION_PROFILE: 'COMPANION',
  USER_PROFILE: 'USER_PROFILE',
};

export interface IntakeDeps {
  orm: Orm;
  classifier: ModerationClassifier;
  outbox: OutboxRelay;
  queue: QueueUpdates;
  settings: ModerationSettings;
  metrics: ModerationMetrics;
  logger: Logger;
}

/**
 * Content in, cases out: classifies, then stores the case with its automatic decision (or
 * queues it for a human) in one transaction with the processed event id, so a redelivered
 * event never makes a second case.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDeps) {}

  async submit(em: EntityManager, submission: Submission): Promise<ModerationCase | null> {
    if (submission.eventId && (await this.processed(em, submission.eventId))) return null;
    const classification = await this.classify(submission);
    const outcome = classification.decision;
    let queued = false;
    const stored = await em.transactional(async (tx) => {
      if (submission.eventId) {
        const inserted = await tx
          .getConnection()
          .execute<{ affectedRows: number }>(
            'insert into "processed_events" ("event_id", "processed_at") values (?, ?) on conflict do nothing',
            [submission.eventId, new Date()],
            'run',
            tx.getTransactionContext(),
          );
        if (inserted.affectedRows === 0) return null; // a concurrent delivery of the same event won
      }
      let c = await tx.findOne(
        ModerationCase,
        { contentType: submission.contentType, contentId: submission.contentId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const revision = !!c;
      if (!c) {
        c = tx.create(ModerationCase, {
          contentType: submission.contentType,
          contentId: submission.contentId,
          status: 'PENDING',
          source: submission.source,
        });
        recordHistory(tx, c.id, 'CREATED', submission.actorId, submission.source);
      } else {
        recordHistory(tx, c.id, 'REVISED', submission.actorId, submission.source);
      }
      c.authorId ??= submission.authorId;
      c.contentText = submission.text ?? null;
      c.contentRef = submission.media ? { ...submission.media, bytes: undefined } : null;
      c.conversationId = submission.conversationId ?? c.conversationId ?? null;
      c.confidence = classification.confidence;
      c.categories = classification.categories;
      c.provider = classification.provider;
      c.classifierFallback = classification.fallback;
      // Escalated or appealed content stays with the humans; anything else is decided afresh.
      // (and so does reported content that arrived after its report).
      const withHumans =
        c.status === 'ESCALATED' || c.status === 'APPEALED' || (c.source === 'REPORT' && c.status === 'PENDING');
      if (revision && withHumans) return c;
      if (outcome === 'APPROVE') {
        recordDecision(
          tx,
          c,
          { status: 'APPROVED', action: 'NONE', reason: null, decidedBy: null, suspendUntil: null },
          this.deps.metrics,
        );
      } else if (outcome === 'REJECT') {
        const reason = classification.reasons.join(', ') || 'classifier';
        recordDecision(
          tx,
          c,
          { status: 'REJECTED', action: 'DELETE_CONTENT', reason, decidedBy: null, suspendUntil: null },
          this.deps.metrics,
        );
      } else {
        c.status = 'PENDING';
        recordHistory(tx, c.id, 'QUEUED', null, classification.reasons.join(', ') || null);
        queued = true;
      }
      return c;
    });
    if (!stored) return null;
    this.deps.outbox.kick();
    await this.deps.queue.publish({
      kind: queued ? 'QUEUED' : 'DECIDED',
      caseId: stored.id,
      status: stored.status,
      actorId: submission.actorId,
    });
    return stored;
  }

  /**
   * The classifier's verdict; content it could not judge keeps a null confidence on the case.
   * A classifier that fails (malformed content) sends the content to the human queue.
   */
  private async classify(submission: Submission): Promise<Verdict> {
    const { classifier, metrics, logger } = this.deps;
    try {
      const result = await classifier.classify(contentOf(submission));
      metrics.classificationSeconds.observe({ provider: result.provider }, result.latencyMs / 1000);
      if (result.fallback) metrics.classifierFallbacks.inc({ provider: result.provider });
      return { ...result, confidence: result.judged ? result.confidence : null };
    } catch (error) {
      logger.warn({ err: error, contentId: submission.contentId }, 'classification failed; queued for review');
      metrics.classifierErrors.inc({ provider: classifier.provider });
      return {
        confidence: null,
        categories: [],
        provider: classifier.provider,
        fallback: true,
        judged: false,
        reasons: ['classifier failed'],
        latencyMs: 0,
        decision: 'REVIEW',
      };
    }
  }

  private async processed(em: EntityManager, eventId: string): Promise<boolean> {
    const rows = await em
      .getConnection()
      .execute<{ event_id: string }[]>('select "event_id" from "processed_events" where "event_id" = ?', [eventId]);
    return rows.length > 0;
  }

  async startConsumer(bus: EventBus): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, this.deps.logger, contentEvents, {
      'content.posted': async (event) => {
        await this.submit(this.deps.orm.em.fork(), {
          eventId: event.id,
          contentType: KIND_TO_TYPE[event.payload.kind],
          contentId: event.payload.contentId,
          authorId: event.userId,
          text: event.payload.text,
          conversationId: event.payload.conversationId,
          source: 'CONTENT',
          actorId: null,
        });
      },
    });
    return () => consumer.close();
  }
}
