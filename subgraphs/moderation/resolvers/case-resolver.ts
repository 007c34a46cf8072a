import { Arg, Authorized, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import { forbidden } from '../../../platform/errors.js';
import type { Page } from '../../../platform/pagination.js';
import type { CaseEvent } from '../entities/case-event.js';
import type { Evidence } from '../entities/evidence.js';
import type { ContentType, ModerationCase, ModerationStatus } from '../entities/moderation-case.js';
import type { ModeratorNote } from '../entities/moderator-note.js';
import type { ModerationContext } from '../services/index.js';
import { historyLoader, notesLoader } from '../services/loaders.js';
import { isStaff } from '../services/roles.js';
import type { ModerationStatsResult } from '../services/stats-service.js';
import {
  AppealNode,
  CaseEventNode,
  CategoryScore,
  ContentTypeEnum,
  EvidenceNode,
  MediaReferenceNode,
  ModerationCaseConnection,
  ModerationCaseNode,
  ModerationStatsNode,
  ModerationStatusEnum,
  ModeratorNoteNode,
  UserRef,
} from './types.js';

/** Fields only staff read; the author of the content sees the outcome, not the deliberation. */
function staffOnly(ctx: ModerationContext) {
  if (!isStaff(ctx.identity)) throw forbidden('Moderators and admins only');
}

@Resolver(() => ModerationCaseNode)
export class ModerationCaseResolver {
  @Authorized('MODERATOR')
  @Query(() => ModerationCaseConnection, {
    description: 'Cases waiting for a moderator (or of one status): escalated first, then oldest first. Staff only.',
  })
  moderationQueue(
    @Arg('status', () => ModerationStatusEnum, { nullable: true }) status: ModerationStatus | null,
    @Arg('contentType', () => ContentTypeEnum, { nullable: true }) contentType: ContentType | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ModerationContext,
  ): Promise<Page<ModerationCase>> {
    return ctx.services.queries.queue(ctx, { status, contentType, first, after });
  }

  @Authorized()
  @AllowRestricted() // a suspended or banned author reads the case behind the sanction
  @Query(() => ModerationCaseNode, {
    nullable: true,
    description: 'Staff: any case; an author: the case on their own content; otherwise NOT_FOUND.',
  })
  moderationCase(@Arg('id', () => ID) id: string, @Ctx() ctx: ModerationContext): Promise<ModerationCase> {
    return ctx.services.queries.find(ctx, id);
  }

  @Authorized()
  @AllowRestricted()
  @Query(() => ModerationCaseNode, {
    nullable: true,
    description:
      'The case on one piece of content, found by what it is about: how an author reaches the case of ' +
      'content moderation hid from them (a blocked companion no longer resolves as a Companion), to appeal it. ' +
      'Staff: any case; an author: their own content; null otherwise.',
  })
  moderationCaseOf(
    @Arg('contentType', () => ContentTypeEnum) contentType: ContentType,
    @Arg('contentId', () => ID) contentId: string,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase | null> {
    return ctx.services.queries.findByContent(ctx, contentType, contentId);
  }

  @Authorized('MODERATOR')
  @Query(() => ModerationStatsNode, { description: 'Staff only.' })
  moderationStats(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationStatsResult> {
    return ctx.services.stats.stats(ctx, from, to);
  }

  @Authorized('ADMIN')
  @Query(() => EvidenceNode, { nullable: true, description: 'What a referral preserved. ADMIN only.' })
  moderationEvidence(@Arg('caseId', () => ID) caseId: string, @Ctx() ctx: ModerationContext) {
    return ctx.services.queries.evidence(ctx, caseId).then(toEvidence);
  }

  @FieldResolver(() => UserRef, { nullable: true })
  author(@Root() c: ModerationCase): UserRef | null {
    return c.authorId ? { id: c.authorId } : null;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Safety confidence (1: safe). Staff only.' })
  confidence(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): number | null {
    staffOnly(ctx);
    return c.confidence ?? null;
  }

  @FieldResolver(() => [CategoryScore], { description: 'Staff only.' })
  categories(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): CategoryScore[] {
    staffOnly(ctx);
    return c.categories;
  }

  @FieldResolver(() => String, { description: 'The classifier that judged it. Staff only.' })
  provider(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): string {
    staffOnly(ctx);
    return c.provider;
  }

  @FieldResolver(() => String, { description: 'CONTENT, STAFF or REPORT. Staff only.' })
  source(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): string {
    staffOnly(ctx);
    return c.source;
  }

  @FieldResolver(() => Int, { description: 'Distinct reporters. Staff only.' })
  reportCount(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): number {
    staffOnly(ctx);
    return c.reportCount;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The text that was classified. Staff only.' })
  contentText(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): string | null {
    staffOnly(ctx);
    return c.contentText ?? null;
  }

  @FieldResolver(() => MediaReferenceNode, {
    nullable: true,
    description: 'IMAGE, AUDIO, VIDEO: the reference that was classified (URL, MIME type, size, SHA-256). Staff only.',
  })
  media(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): MediaReferenceNode | null {
    staffOnly(ctx);
    const ref = c.contentRef;
    if (!ref) return null;
    return {
      url: String(ref.url ?? ''),
      mimeType: String(ref.mimeType ?? ''),
      size: Number(ref.size ?? 0),
      sha256: String(ref.sha256 ?? '').toLowerCase(),
    };
  }

  @FieldResolver(() => UserRef, { nullable: true, description: 'Null for automatic decisions. Staff only.' })
  decidedBy(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): UserRef | null {
    staffOnly(ctx);
    return c.decidedBy ? { id: c.decidedBy } : null;
  }

  @FieldResolver(() => Boolean, { description: 'Decided by the classifier.' })
  automatic(@Root() c: ModerationCase): boolean {
    return c.automatic;
  }

  @FieldResolver(() => UserRef, { nullable: true, description: 'Who holds the claim, while it lasts. Staff only.' })
  claimedBy(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): UserRef | null {
    staffOnly(ctx);
    return c.claimedBy && c.claimedUntil && c.claimedUntil > new Date() ? { id: c.claimedBy } : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the claim lapses. Staff only.' })
  claimedUntil(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): Date | null {
    staffOnly(ctx);
    return c.claimedUntil && c.claimedUntil > new Date() ? c.claimedUntil : null;
  }

  @FieldResolver(() => [ModeratorNoteNode], { description: 'Staff only.' })
  notes(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): Promise<ModeratorNote[]> {
    staffOnly(ctx);
    return notesLoader(ctx.loaders, ctx.em).load(c.id);
  }

  @FieldResolver(() => [CaseEventNode], { description: 'The audit trail, oldest first. Staff only.' })
  history(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext): Promise<CaseEvent[]> {
    staffOnly(ctx);
    return historyLoader(ctx.loaders, ctx.em).load(c.id);
  }

  @FieldResolver(() => AppealNode, { nullable: true })
  appeal(@Root() c: ModerationCase): AppealNode | null {
    if (!c.appealedAt) return null;
    return {
      reason: c.appealReason!,
      status: c.appealOutcome ?? 'PENDING',
      createdAt: c.appealedAt,
      resolvedAt: c.appealResolvedAt ?? null,
      resolvedBy: c.appealResolvedBy ?? null,
    };
  }

  @FieldResolver(() => EvidenceNode, { nullable: true, description: 'A referral preserved evidence. ADMIN only.' })
  async evidence(@Root() c: ModerationCase, @Ctx() ctx: ModerationContext) {
    return toEvidence(await ctx.services.queries.evidence(ctx, c.id));
  }
}

function toEvidence(evidence: Evidence | null): EvidenceNode | null {
  if (!evidence) return null;
  return {
    ...evidence,
    contentType: evidence.contentType,
    contentReference: evidence.contentRef ? JSON.stringify(evidence.contentRef) : null,
  };
}

@Resolver(() => ModeratorNoteNode)
export class ModeratorNoteResolver {
  @FieldResolver(() => UserRef)
  author(@Root() note: ModeratorNote): UserRef {
    return { id: note.authorId };
  }
}

@Resolver(() => CaseEventNode)
export class CaseEventResolver {
  @FieldResolver(() => UserRef, { nullable: true, description: 'Null: the system.' })
  actor(@Root() event: CaseEvent): UserRef | null {
    return event.actorId ? { id: event.actorId } : null;
  }
}

@Resolver(() => AppealNode)
export class AppealResolver {
  @FieldResolver(() => UserRef, { nullable: true })
  resolvedBy(@Root() appeal: AppealNode): UserRef | null {
    return appeal.resolvedBy ? { id: appeal.resolvedBy } : null;
  }
}
