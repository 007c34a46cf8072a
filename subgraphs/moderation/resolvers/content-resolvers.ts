import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import { forbidden } from '../../../platform/errors.js';
import { pageLoader } from '../../../platform/page-loader.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../platform/pagination.js';
import { ModerationCase, type ContentType } from '../entities/moderation-case.js';
import type { ModerationContext } from '../services/index.js';
import { caseByContentLoader, warningsLoader } from '../services/loaders.js';
import { canSee } from '../services/query-service.js';
import { isStaff } from '../services/roles.js';
import {
  CompanionRef,
  MessageRef,
  ModerationCaseConnection,
  ModerationCaseNode,
  UserRef,
  WarningNode,
} from './types.js';

async function caseOf(ctx: ModerationContext, type: ContentType, id: string): Promise<ModerationCase | null> {
  const found = await caseByContentLoader(ctx.loaders, ctx.em).load(`${type}:${id}`);
  return found && canSee(ctx, found) ? found : null;
}

@Resolver(() => MessageRef)
export class MessageModerationResolver {
  @FieldResolver(() => ModerationCaseNode, {
    nullable: true,
    description: "The message's moderation case: staff, and the author for their own message.",
  })
  moderation(@Root() message: MessageRef, @Ctx() ctx: ModerationContext) {
    return caseOf(ctx, 'MESSAGE', message.id);
  }
}

@Resolver(() => CompanionRef)
export class CompanionModerationResolver {
  @FieldResolver(() => ModerationCaseNode, {
    nullable: true,
    description: "The companion profile's moderation case: staff, and its owner.",
  })
  moderation(@Root() companion: CompanionRef, @Ctx() ctx: ModerationContext) {
    return caseOf(ctx, 'COMPANION', companion.id);
  }
}

@Resolver(() => UserRef)
export class UserModerationResolver {
  @FieldResolver(() => ModerationCaseConnection, { description: 'Cases on their content, newest first. Staff only.' })
  async moderationHistory(
    @Root() user: UserRef,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ModerationContext,
  ): Promise<Page<ModerationCase>> {
    if (!isStaff(ctx.identity)) throw forbidden('Moderators and admins only');
    const size = pageSize(first);
    const loader = pageLoader(ctx.loaders, ctx.em, ModerationCase, {
      name: 'user.moderationHistory',
      table: 'moderation_cases',
      parentColumn: 'author_id',
      order: 'desc',
    });
    return toPage(await loader.load({ parentId: user.id, size, afterId: decodeCursor(after) }), size);
  }

  @AllowRestricted() // `me { warnings }` from a restricted session
  @FieldResolver(() => [WarningNode], { description: 'Warnings that stand: the user themselves (and staff).' })
  async warnings(@Root() user: UserRef, @Ctx() ctx: ModerationContext): Promise<WarningNode[]> {
    if (ctx.identity?.userId !== user.id && !isStaff(ctx.identity)) {
      throw forbidden('Warnings are visible to the user themselves');
    }
    const cases = await warningsLoader(ctx.loaders, ctx.em).load(user.id);
    return cases.map((c) => ({
      caseId: c.id,
      contentType: c.contentType,
      contentId: c.contentId,
      reason: c.reason ?? null,
      createdAt: c.decidedAt ?? c.createdAt,
    }));
  }
}
