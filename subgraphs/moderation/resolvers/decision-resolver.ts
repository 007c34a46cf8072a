import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import type { ModerationCase } from '../entities/moderation-case.js';
import type { ModerationContext } from '../services/index.js';
import { ModerateContentInput, ModerationCaseNode, RejectContentInput, ReportContentInput } from './types.js';
import { badInput } from '../../../platform/errors.js';

@Resolver(() => ModerationCaseNode)
export class DecisionResolver {
  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode, { description: 'Staff: submit any content for classification.' })
  async moderateContent(
    @Arg('input', () => ModerateContentInput) input: ModerateContentInput,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    const contentId = input.contentId.trim();
    if (!contentId || contentId.length > 128) throw badInput('contentId must be 1 to 128 characters', 'contentId');
    const media = input.mediaUrl
      ? { url: input.mediaUrl, mimeType: input.mimeType ?? '', size: input.size ?? 0, sha256: input.sha256 ?? '' }
      : undefined;
    if (!input.text?.trim() && !media) throw badInput('text or mediaUrl is required', 'text', 'REQUIRED');
    if (input.authorId && !/^[0-9a-f-]{36}$/i.test(input.authorId)) throw badInput('authorId is not an id', 'authorId');
    return (await ctx.services.intake.submit(ctx.em, {
      contentType: input.contentType,
      contentId,
      authorId: input.authorId ?? null,
      text: input.text ?? undefined,
      media,
      source: 'STAFF',
      actorId: ctx.identity!.userId,
    }))!;
  }

  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode, {
    description: 'A lease (MODERATION_CLAIM_LEASE_SECONDS) so two moderators do not collide.',
  })
  claimCase(@Arg('id', () => ID) id: string, @Ctx() ctx: ModerationContext): Promise<ModerationCase> {
    return ctx.services.cases.claim(ctx, id);
  }

  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode)
  approveContent(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    return ctx.services.cases.approve(ctx, caseId, note);
  }

  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode)
  rejectContent(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('input', () => RejectContentInput) input: RejectContentInput,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    return ctx.services.cases.reject(ctx, caseId, input);
  }

  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode)
  addModeratorNote(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('text', () => String) text: string,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    return ctx.services.cases.addNote(ctx, caseId, text);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Any signed-in user; one report per user per content counts; never on your own content.',
  })
  reportContent(
    @Arg('input', () => ReportContentInput) input: ReportContentInput,
    @Ctx() ctx: ModerationContext,
  ): Promise<boolean> {
    return ctx.services.reports.report(ctx, input);
  }

  @Authorized()
  @AllowRestricted() // appealing is what a suspended or banned author can still do
  @Mutation(() => ModerationCaseNode, {
    description: 'The author, once per case, within MODERATION_APPEAL_WINDOW_DAYS of a rejection.',
  })
  appealDecision(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    return ctx.services.cases.appeal(ctx, caseId, reason);
  }

  @Authorized('MODERATOR')
  @Mutation(() => ModerationCaseNode, {
    description: 'By a moderator other than the one who rejected. upheld: false overturns (APPROVED).',
  })
  resolveAppeal(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('upheld', () => Boolean) upheld: boolean,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: ModerationContext,
  ): Promise<ModerationCase> {
    return ctx.services.cases.resolveAppeal(ctx, caseId, upheld, note);
  }
}
