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
import { decide, type Classification, type ContentClassifier, type ContentToClassify } from './classifiers/index.js';
import { recordDecision } from './decisions.js';
import { recordHistory } from './history.js';
import type { ModerationMetrics } from './metrics.js';
import type { QueueUpdates } from './queue-updates.js';

/** Content to turn into a case. */
export interface Submission {
  /** The content event's id (idempotency key); absent for staff submissions. */
  eventId?: string;
  contentType: ContentType;
  contentId: string;
  authorId: string | null;
  text?: string;
  media?: ContentToClassify['media'];
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
  classifier: ContentClassifier;
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
    const outcome = decide(classification.confidence, this.deps.settings);
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

  /** A classifier that fails sends the content to the human queue (confidence null). */
  private async classify(submission: Submission): Promise<Classification> {
    const { classifier, metrics, logger } = this.deps;
    try {
      const result = await classifier.classify({
        contentType: submission.contentType,
        text: submission.text,
        media: submission.media,
      });
      metrics.classificationSeconds.observe({ provider: result.provider }, result.latencyMs / 1000);
      if (result.fallback) metrics.classifierFallbacks.inc({ provider: result.provider });
      return result;
    } catch (error) {
      logger.warn({ err: error, contentId: submission.contentId }, 'classification failed; queued for review');
      metrics.classifierErrors.inc({ provider: 'unknown' });
      return {
        confidence: null,
        categories: [],
        provider: 'error',
        fallback: true,
        reasons: ['classifier failed'],
        latencyMs: 0,
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
