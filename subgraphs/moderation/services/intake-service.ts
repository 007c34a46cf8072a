import { uuidv7 } from '../../../platform/uuid-v7.js';
import { LockMode, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { EventBus } from '../../../platform/events/event-bus.js';
import type { OutboxRelay } from '../../../platform/events/outbox.js';
import { consumeEventBatches } from '../../../platform/events/typed-batch-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { EventPayload } from '../../../schema/events/contracts.js';
import { AUTHOR_LOCK_SPACE } from '../entities/erased-author.js';
import { ModerationCase, type ContentType } from '../entities/moderation-case.js';
import { contentEvents } from '../events.js';
import type { ModerationSettings } from '../settings.js';
import type { ModerationClassifier, ModerationContent, ModerationVerdict } from './classifiers/index.js';
import { recordDecision } from './decisions.js';
import { recordHistory } from './history.js';
import type { ModerationMetrics } from './metrics.js';
import type { QueueUpdates } from './queue-updates.js';
import { BatchRows } from './batch-rows.js';
import { boundSql } from '../../../platform/bound-sql.js';

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

/** Events handed over at once by the content consumer (one transaction each). */
export const INTAKE_BATCH_SIZE = 500;
/** Remote classifiers are called this many at a time within a batch (the local one answers at once). */
const CLASSIFY_CONCURRENCY = 16;

const PROCESSED_SQL =
  'select "event_id" from "processed_events" where "event_id" in (select jsonb_array_elements_text($1::jsonb)::uuid)';
/**
 * Marks the ids processed and answers the ones a concurrent delivery had already marked: usually
 * none, so the common batch reads back no rows (instead of every id it marked).
 */
const MARK_PROCESSED_SQL = `with "input" as (select jsonb_array_elements_text($1::jsonb)::uuid as "event_id"),
  "marked" as (insert into "processed_events" ("event_id", "processed_at")
    select "event_id", now() from "input" on conflict do nothing returning "event_id")
  select "event_id" from "input" where "event_id" not in (select "event_id" from "marked")`;

/** Looks the ids up by the primary key (the tombstones only ever grow); only UUIDs are passed. */
const ERASED_AMONG_SQL =
  'select "user_id" from "erased_authors" where "user_id" in (select jsonb_array_elements_text($1::jsonb)::uuid)';
/** The shape of a user id: anything else cannot have a tombstone (and would not cast to uuid). */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOCK_AUTHORS_SQL = `select count(pg_advisory_xact_lock_shared(${AUTHOR_LOCK_SPACE}, hashtext(a))) as n
  from (select distinct jsonb_array_elements_text($1::jsonb) as a) authors`;

const caseKey = (contentType: string, contentId: string) => `${contentType}:${contentId}`;

/**
 * The content keys among `$1` (`[[content_type, content_id], …]`) that have a case: probes of the
 * unique index, answering only keys. Content is usually new, so this finds nothing and the ORM
 * (its SQL with every key written in, its locking select, its hydration) is left out.
 */
const EXISTING_CASES_SQL = `select "content_type", "content_id" from "moderation_cases"
  where ("content_type", "content_id") in (select k ->> 0, k ->> 1 from jsonb_array_elements($1::jsonb) k)`;

interface ContentKey {
  contentType: ContentType;
  contentId: string;
}

/**
 * The cases of these keys, by (content_type, content_id): the unique index's own order,
 * so the lookup is index probes however many cases there are (content_id alone would scan).
 */
function byContentKeys(keys: ContentKey[]): FilterQuery<ModerationCase> {
  const idsByType = new Map<ContentType, Set<string>>();
  for (const { contentType, contentId } of keys) {
    const ids = idsByType.get(contentType);
    if (ids) ids.add(contentId);
    else idsByType.set(contentType, new Set([contentId]));
  }
  return { $or: [...idsByType].map(([contentType, ids]) => ({ contentType, contentId: { $in: [...ids] } })) };
}

let caseDefaults: ModerationCase | undefined;

/**
 * A new case as a plain row: the entity's own defaults (read once from an entity, so they
 * cannot drift), a fresh id and timestamps, then `fields`.
 */
function newCaseRow(fields: Pick<ModerationCase, 'contentType' | 'contentId' | 'status' | 'source'>): ModerationCase {
  caseDefaults ??= { ...new ModerationCase() };
  const now = new Date();
  return { ...caseDefaults, categories: [], id: uuidv7(), createdAt: now, updatedAt: now, ...fields };
}

/** `work` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Content in, cases out: classifies, then stores the cases with their automatic decisions (or
 * queues them for a human) in one transaction with the processed event ids, so a redelivered
 * event never makes a second case. Batches keep the statements per batch few: one select of
 * the ids already processed, one multi-row insert of the new ones, one select of the contents
 * that already have a case (then locked through the ORM, when there are any), then one
 * set-based insert each of the new cases, the history rows and the outbox rows (BatchRows);
 * only revised existing cases go through the ORM's flush.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDeps) {}

  async submit(em: EntityManager, submission: Submission): Promise<ModerationCase | null> {
    const [stored] = await this.submitBatch(em, [submission]);
    if (!stored || stored instanceof ModerationCase) return stored ?? null;
    return Object.assign(new ModerationCase(), stored);
  }

  /**
   * The case of each submission, in order; null for an event already processed (or repeated in
   * the batch). A new case is a plain row with the entity's properties (unmanaged, as before).
   */
  async submitBatch(em: EntityManager, submissions: Submission[]): Promise<(ModerationCase | null)[]> {
    const seen = new Set<string>();
    const fresh = submissions.map((s) => {
      if (!s.eventId) return true;
      if (seen.has(s.eventId)) return false;
      seen.add(s.eventId);
      return true;
    });
    if (seen.size) {
      const done = await boundSql<{ event_id: string }>(em, PROCESSED_SQL, [JSON.stringify([...seen])]);
      const doneIds = new Set(done.rows.map((row) => row.event_id));
      submissions.forEach((s, i) => {
        if (s.eventId && doneIds.has(s.eventId)) fresh[i] = false;
      });
    }
    const work = submissions.flatMap((submission, i) => (fresh[i] ? [{ submission, at: i }] : []));
    if (!work.length) return submissions.map(() => null);
    const authors = [...new Set(work.flatMap(({ submission }) => (submission.authorId ? [submission.authorId] : [])))];
    // Content of erased users is never classified (a remote classifier would receive their text).
    const erasedBefore = await this.erasedAmong(em, authors);
    const verdicts = await mapLimited(work, CLASSIFY_CONCURRENCY, ({ submission }) =>
      submission.authorId && erasedBefore.has(submission.authorId) ? Promise.resolve(null) : this.classify(submission),
    );
    const updates: { c: ModerationCase; queued: boolean; actorId: string | null }[] = [];
    const results: (ModerationCase | null)[] = submissions.map(() => null);
    await em.transactional(async (tx) => {
      const eventIds = work.flatMap(({ submission }) => (submission.eventId ? [submission.eventId] : []));
      let lost = new Set<string>();
      if (eventIds.length) {
        const taken = await boundSql<{ event_id: string }>(tx, MARK_PROCESSED_SQL, [JSON.stringify(eventIds)]);
        lost = new Set(taken.rows.map((row) => row.event_id));
      }
      // Under the authors' locks, an erasure either finished before (its tombstone is seen here)
      // or waits for this transaction and then erases the cases it stores.
      let erased = erasedBefore;
      if (authors.length) {
        await boundSql(tx, LOCK_AUTHORS_SQL, [JSON.stringify(authors)]);
        erased = await this.erasedAmong(tx, authors);
      }
      const existing = await this.existingCases(
        tx,
        work.map(({ submission }) => submission),
      );
      const cases = new Map(existing.map((c) => [caseKey(c.contentType, c.contentId), c]));
      const rows = new BatchRows();
      work.forEach(({ submission, at }, i) => {
        // A concurrent delivery of the same event won.
        if (submission.eventId && lost.has(submission.eventId)) return;
        const verdict = verdicts[i];
        if (!verdict || (submission.authorId && erased.has(submission.authorId))) {
          // Its author was erased: dropped (the event is recorded as processed), as erasure would have.
          this.deps.metrics.erasedAuthorContentDropped.inc();
          return;
        }
        const { c, queued } = this.apply(rows, cases, submission, verdict);
        updates.push({ c, queued, actorId: submission.actorId });
        results[at] = c;
      });
      await rows.insert(tx);
    });
    if (!updates.length) return results;
    this.deps.outbox.kick();
    await Promise.all(
      updates.map(({ c, queued, actorId }) =>
        this.deps.queue.publish({ kind: queued ? 'QUEUED' : 'DECIDED', caseId: c.id, status: c.status, actorId }),
      ),
    );
    return results;
  }

  /** The cases that exist for these contents, locked (managed: a revision is flushed by the ORM). */
  private async existingCases(tx: EntityManager, contents: ContentKey[]): Promise<ModerationCase[]> {
    const keys = JSON.stringify(contents.map(({ contentType, contentId }) => [contentType, contentId]));
    const found = await boundSql<{ content_type: ContentType; content_id: string }>(tx, EXISTING_CASES_SQL, [keys]);
    if (!found.rows.length) return [];
    const where = byContentKeys(
      found.rows.map((row) => ({ contentType: row.content_type, contentId: row.content_id })),
    );
    return tx.find(ModerationCase, where, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /** The erased users (tombstones) among `authors`. */
  private async erasedAmong(em: EntityManager, authors: string[]): Promise<Set<string>> {
    const ids = authors.filter((author) => USER_ID.test(author));
    if (!ids.length) return new Set();
    const found = await boundSql<{ user_id: string }>(em, ERASED_AMONG_SQL, [JSON.stringify(ids)]);
    return new Set(found.rows.map((row) => row.user_id));
  }

  /**
   * One submission onto its case. A new case, its history and its decision's outbox message
   * go to the batch's rows; an existing case (locked, managed) is updated by the ORM's flush.
   */
  private apply(
    rows: BatchRows,
    cases: Map<string, ModerationCase>,
    submission: Submission,
    classification: Verdict,
  ): { c: ModerationCase; queued: boolean } {
    const key = caseKey(submission.contentType, submission.contentId);
    let c = cases.get(key);
    const revision = !!c;
    if (!c) {
      c = newCaseRow({
        contentType: submission.contentType,
        contentId: submission.contentId,
        status: 'PENDING' as const,
        source: submission.source,
      });
      rows.add(ModerationCase, c);
      cases.set(key, c);
      recordHistory(rows, c.id, 'CREATED', submission.actorId, submission.source);
    } else {
      recordHistory(rows, c.id, 'REVISED', submission.actorId, submission.source);
    }
    c.authorId ??= submission.authorId;
    c.contentText = submission.text ?? null;
    c.contentRef = submission.media ? { ...submission.media, bytes: undefined } : null;
    c.conversationId = submission.conversationId ?? c.conversationId ?? null;
    c.confidence = classification.confidence;
    c.categories = classification.categories;
    c.provider = classification.provider;
    c.classifierFallback = classification.fallback;
    // Escalated or appealed content stays with the humans; anything else is decided afresh
    // (and so does reported content that arrived after its report).
    const withHumans =
      c.status === 'ESCALATED' || c.status === 'APPEALED' || (c.source === 'REPORT' && c.status === 'PENDING');
    if (revision && withHumans) return { c, queued: false };
    if (classification.decision === 'APPROVE') {
      recordDecision(
        rows,
        c,
        { status: 'APPROVED', action: 'NONE', reason: null, decidedBy: null, suspendUntil: null },
        this.deps.metrics,
      );
    } else if (classification.decision === 'REJECT') {
      const reason = classification.reasons.join(', ') || 'classifier';
      recordDecision(
        rows,
        c,
        { status: 'REJECTED', action: 'DELETE_CONTENT', reason, decidedBy: null, suspendUntil: null },
        this.deps.metrics,
      );
    } else {
      c.status = 'PENDING';
      recordHistory(rows, c.id, 'QUEUED', null, classification.reasons.join(', ') || null);
      return { c, queued: true };
    }
    return { c, queued: false };
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

  /** Joins `moderation.content`: each partition's batch of content events is one transaction. */
  async startConsumer(bus: EventBus): Promise<() => Promise<void>> {
    const consumer = await consumeEventBatches(
      bus,
      this.deps.logger,
      contentEvents,
      async (events) => {
        if (!events.length) return;
        await this.submitBatch(
          this.deps.orm.em.fork(),
          events.map((event) => ({
            eventId: event.id,
            contentType: KIND_TO_TYPE[event.payload.kind],
            contentId: event.payload.contentId,
            authorId: event.userId,
            text: event.payload.text,
            conversationId: event.payload.conversationId,
            source: 'CONTENT' as const,
            actorId: null,
          })),
        );
      },
      { maxBatchSize: INTAKE_BATCH_SIZE },
    );
    return () => consumer.close();
  }
}
