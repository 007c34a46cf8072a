import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, enumOf } from '../../../platform/graphql-types.js';
import { CASE_EVENT_KINDS, type CaseEventKind } from '../entities/case-event.js';
import {
  CONTENT_TYPES,
  MODERATION_ACTIONS,
  MODERATION_STATUSES,
  type ContentType,
  type ModerationAction,
  type ModerationStatus,
} from '../entities/moderation-case.js';
import { QUEUE_UPDATE_KINDS, type QueueUpdateKind } from '../services/queue-updates.js';

export const ContentTypeEnum = enumOf(CONTENT_TYPES);
export const ModerationStatusEnum = enumOf(MODERATION_STATUSES);
export const ModerationActionEnum = enumOf(MODERATION_ACTIONS);
export const CaseEventKindEnum = enumOf(CASE_EVENT_KINDS);
export const QueueEventKindEnum = enumOf(QUEUE_UPDATE_KINDS);
export const AppealStatusEnum = enumOf(['PENDING', 'UPHELD', 'OVERTURNED'] as const);
registerEnumType(ContentTypeEnum, { name: 'ContentType', description: 'What kind of content a case is about.' });
registerEnumType(ModerationStatusEnum, { name: 'ModerationStatus' });
registerEnumType(ModerationActionEnum, { name: 'ModerationAction', description: 'What a decision does.' });
registerEnumType(CaseEventKindEnum, { name: 'CaseEventKind' });
registerEnumType(QueueEventKindEnum, { name: 'ModerationQueueEventKind' });
registerEnumType(AppealStatusEnum, { name: 'AppealStatus' });

/** The users subgraph's User, extended here with moderationHistory and warnings. */
@ObjectType('User')
@Directive('@key(fields: "id")')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

/** The companions subgraph's Message, extended here with its moderation case. */
@ObjectType('Message')
@Directive('@key(fields: "id")')
export class MessageRef {
  @Field(() => ID)
  id!: string;
}

/** The companions subgraph's Companion, extended here with its moderation case. */
@ObjectType('Companion')
@Directive('@key(fields: "id")')
export class CompanionRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType('CategoryScore', { description: "A classifier's score for one category (0: none, 1: certain)." })
export class CategoryScore {
  @Field(() => String)
  category!: string;

  @Field(() => Float)
  score!: number;
}

@ObjectType('MediaReference', { description: 'A media item as it was submitted for classification.' })
export class MediaReferenceNode {
  @Field(() => String)
  url!: string;

  @Field(() => String)
  mimeType!: string;

  @Field(() => Float, { description: 'Bytes (Float: files may exceed 2^31).' })
  size!: number;

  @Field(() => String, { description: 'Lowercase hex SHA-256 as declared.' })
  sha256!: string;
}

@ObjectType('ModerationCase', { description: 'One piece of content under moderation, with every decision on it.' })
@Directive('@key(fields: "id")')
export class ModerationCaseNode {
  @Field(() => ID)
  id!: string;

  @Field(() => ContentTypeEnum)
  contentType!: ContentType;

  @Field(() => ID)
  contentId!: string;

  @Field(() => ModerationStatusEnum)
  status!: ModerationStatus;

  @Field(() => ModerationActionEnum, { nullable: true, description: 'The action of the standing decision.' })
  action?: ModerationAction | null;

  @Field(() => String, { nullable: true, description: 'Why it was rejected.' })
  reason?: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of a SUSPEND_USER sanction.' })
  suspendUntil?: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('ModeratorNote', { description: "A moderator's note on a case (staff only)." })
export class ModeratorNoteNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  text!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('CaseEvent', { description: 'One entry of a case history: what happened, who did it, when.' })
export class CaseEventNode {
  @Field(() => ID)
  id!: string;

  @Field(() => CaseEventKindEnum)
  kind!: CaseEventKind;

  @Field(() => String, { nullable: true })
  detail?: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('Appeal', { description: "The author's appeal against a rejection." })
export class AppealNode {
  @Field(() => String)
  reason!: string;

  @Field(() => AppealStatusEnum)
  status!: 'PENDING' | 'UPHELD' | 'OVERTURNED';

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt?: Date | null;

  resolvedBy?: string | null;
}

@ObjectType('EvidenceReport')
export class EvidenceReportNode {
  @Field(() => ID)
  reporterId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  details?: string | null;

  @Field(() => String, { description: 'ISO-8601 time of the report.' })
  createdAt!: string;
}

@ObjectType('ModerationEvidence', {
  description: 'What a REPORT_TO_AUTHORITIES referral preserved; survives content deletion. ADMIN only.',
})
export class EvidenceNode {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ContentTypeEnum)
  contentType!: string;

  @Field(() => ID)
  contentId!: string;

  @Field(() => ID, { nullable: true })
  authorId?: string | null;

  @Field(() => String, { nullable: true })
  contentText?: string | null;

  @Field(() => String, { nullable: true, description: 'The media reference as JSON (url, mimeType, size, sha256).' })
  contentReference?: string | null;

  @Field(() => [EvidenceReportNode])
  reports!: EvidenceReportNode[];

  @Field(() => Date)
  contentCreatedAt!: Date;

  @Field(() => String, { nullable: true })
  reason?: string | null;

  @Field(() => ID)
  referredBy!: string;

  @Field(() => Date)
  referredAt!: Date;
}

@ObjectType('Warning', { description: 'A WARN_USER decision that stands.' })
export class WarningNode {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ContentTypeEnum)
  contentType!: ContentType;

  @Field(() => ID)
  contentId!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('ModerationQueueEvent', { description: 'A change to the review queue.' })
export class QueueEventNode {
  @Field(() => QueueEventKindEnum)
  kind!: QueueUpdateKind;

  @Field(() => ID)
  caseId!: string;

  @Field(() => ModerationStatusEnum)
  status!: ModerationStatus;

  @Field(() => Date)
  occurredAt!: Date;
}

@ObjectType('CountByKey')
export class KeyCountNode {
  @Field(() => String)
  key!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ModerationStats', {
  description: 'Cases created in [from, to), computed in SQL; queueDepth and oldestPendingAgeSeconds are live.',
})
export class ModerationStatsNode {
  @Field(() => Date, { nullable: true })
  from!: Date | null;

  @Field(() => Date, { nullable: true })
  to!: Date | null;

  @Field(() => Int)
  total!: number;

  @Field(() => [KeyCountNode])
  byStatus!: KeyCountNode[];

  @Field(() => [KeyCountNode])
  byContentType!: KeyCountNode[];

  @Field(() => [KeyCountNode], { description: 'Standing actions of decided cases.' })
  byAction!: KeyCountNode[];

  @Field(() => [KeyCountNode], { description: 'Cases by the classifier that judged them.' })
  byClassifier!: KeyCountNode[];

  @Field(() => Int, { description: 'Cases with a first decision.' })
  decided!: number;

  @Field(() => Float, { description: 'Share of decided cases approved automatically.' })
  autoApproveRate!: number;

  @Field(() => Float, { description: 'Share of decided cases rejected automatically.' })
  autoRejectRate!: number;

  @Field(() => Float, { description: 'Share of decided cases first decided by a moderator.' })
  humanRate!: number;

  @Field(() => Float, { nullable: true, description: 'Median seconds from case to first human decision.' })
  medianSecondsToDecision!: number | null;

  @Field(() => Float, { nullable: true, description: '95th percentile seconds from case to first human decision.' })
  p95SecondsToDecision!: number | null;

  @Field(() => Int, { description: 'Cases waiting for a moderator now.' })
  queueDepth!: number;

  @Field(() => Float, { nullable: true })
  oldestPendingAgeSeconds!: number | null;

  @Field(() => Int)
  appealsResolved!: number;

  @Field(() => Float, { nullable: true, description: 'Overturned appeals / resolved appeals.' })
  appealOverturnRate!: number | null;
}

export const ModerationCaseConnection = connectionType('ModerationCase', ModerationCaseNode);

@InputType('ModerateContentInput')
export class ModerateContentInput {
  @Field(() => ContentTypeEnum)
  contentType!: ContentType;

  @Field(() => ID)
  contentId!: string;

  @Field(() => ID, { nullable: true })
  authorId?: string | null;

  @Field(() => String, { nullable: true })
  text?: string | null;

  @Field(() => String, { nullable: true, description: 'Media: where it is.' })
  mediaUrl?: string | null;

  @Field(() => String, { nullable: true })
  mimeType?: string | null;

  @Field(() => Int, { nullable: true })
  size?: number | null;

  @Field(() => String, { nullable: true })
  sha256?: string | null;
}

@InputType('RejectContentInput')
export class RejectContentInput {
  @Field(() => ModerationActionEnum)
  action!: ModerationAction;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => Float, { nullable: true, description: 'SUSPEND_USER: days from now (fractions allowed).' })
  suspendDays?: number | null;

  @Field(() => Date, { nullable: true, description: 'SUSPEND_USER: an explicit end instead of suspendDays.' })
  suspendUntil?: Date | null;
}

@InputType('ReportContentInput')
export class ReportContentInput {
  @Field(() => ContentTypeEnum)
  contentType!: ContentType;

  @Field(() => ID)
  contentId!: string;

  @Field(() => String, { description: 'A short reason, e.g. harassment, spam, self-harm.' })
  reason!: string;

  @Field(() => String, { nullable: true })
  details?: string | null;
}
