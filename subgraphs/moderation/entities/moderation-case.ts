import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../../../platform/uuid-v7.js';

export const CONTENT_TYPES = ['MESSAGE', 'COMPANION', 'USER_PROFILE', 'IMAGE', 'AUDIO', 'VIDEO'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
export const MODERATION_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'ESCALATED', 'APPEALED'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];
export const MODERATION_ACTIONS = [
  'NONE',
  'DELETE_CONTENT',
  'WARN_USER',
  'SUSPEND_USER',
  'BAN_USER',
  'REPORT_TO_AUTHORITIES',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
/** How a case first got decided (for the automatic/human rates). */
export const DECISION_MODES = ['AUTO_APPROVE', 'AUTO_REJECT', 'HUMAN'] as const;
export type DecisionMode = (typeof DECISION_MODES)[number];
export const APPEAL_OUTCOMES = ['UPHELD', 'OVERTURNED'] as const;
export type AppealOutcome = (typeof APPEAL_OUTCOMES)[number];

/** Statuses that wait for a moderator. */
export const OPEN_STATUSES: readonly ModerationStatus[] = ['PENDING', 'ESCALATED', 'APPEALED'];

/** Queue priority: escalated cases first, everything else by age. */
export const Priority = { escalated: 0, normal: 1 } as const;

/**
 * One case per piece of content: what was classified, how, and every decision on it.
 * The queue reads it by (priority, created_at, id) through a partial index on open cases.
 */
@Entity({ tableName: 'moderation_cases' })
@Unique({ properties: ['contentType', 'contentId'] })
@Index({ properties: ['authorId', 'id'] })
@Index({ properties: ['status', 'priority', 'createdAt', 'id'] })
@Index({
  name: 'moderation_cases_queue_idx',
  expression:
    'create index "moderation_cases_queue_idx" on "moderation_cases" ("priority", "created_at", "id") where "status" in (\'PENDING\', \'ESCALATED\', \'APPEALED\')',
})
export class ModerationCase {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Enum({ items: () => CONTENT_TYPES as unknown as string[], type: 'string' })
  contentType!: ContentType;

  @Property({ type: 'string', length: 128 })
  contentId!: string;

  /** A user of the users subgraph; null when a report came before the content itself. */
  @Property({ type: 'uuid', nullable: true })
  authorId?: string | null;

  @Enum({ items: () => MODERATION_STATUSES as unknown as string[], type: 'string' })
  status!: ModerationStatus;

  @Property({ type: 'smallint' })
  priority: Opt<number> = Priority.normal;

  @Enum({ items: () => MODERATION_ACTIONS as unknown as string[], type: 'string', nullable: true })
  action?: ModerationAction | null;

  @Property({ type: 'double', nullable: true })
  confidence?: number | null;

  @Property({ type: 'json' })
  categories: Opt<{ category: string; score: number }[]> = [];

  @Property({ type: 'string', length: 64 })
  provider: Opt<string> = 'none';

  @Property({ type: 'boolean' })
  classifierFallback: Opt<boolean> = false;

  /** CONTENT (the content event), STAFF (moderateContent), REPORT (a report before any content). */
  @Property({ type: 'string', length: 16 })
  source!: string;

  @Property({ type: 'integer' })
  reportCount: Opt<number> = 0;

  /** The text that was classified (staff only in the API). */
  @Property({ type: 'text', nullable: true })
  contentText?: string | null;

  /** A media reference (url, mimeType, size, sha256) that was classified. */
  @Property({ type: 'json', nullable: true })
  contentRef?: Record<string, unknown> | null;

  @Property({ type: 'uuid', nullable: true })
  conversationId?: string | null;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'uuid', nullable: true })
  decidedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date | null;

  @Property({ type: 'boolean' })
  automatic: Opt<boolean> = false;

  @Property({ type: 'datetime', nullable: true })
  suspendUntil?: Date | null;

  @Enum({ items: () => DECISION_MODES as unknown as string[], type: 'string', nullable: true })
  firstDecision?: DecisionMode | null;

  @Property({ type: 'datetime', nullable: true })
  firstDecidedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  claimedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  claimedUntil?: Date | null;

  /** Who rejected (an appeal must be decided by someone else). */
  @Property({ type: 'uuid', nullable: true })
  rejectedBy?: string | null;

  @Property({ type: 'text', nullable: true })
  appealReason?: string | null;

  @Property({ type: 'datetime', nullable: true })
  appealedAt?: Date | null;

  @Enum({ items: () => APPEAL_OUTCOMES as unknown as string[], type: 'string', nullable: true })
  appealOutcome?: AppealOutcome | null;

  @Property({ type: 'uuid', nullable: true })
  appealResolvedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  appealResolvedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  appealNote?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
