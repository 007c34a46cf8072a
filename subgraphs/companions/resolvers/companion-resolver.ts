import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../../platform/pagination.js';
import type { Companion } from '../entities/companion.js';
import { canSee } from '../services/companion-service.js';
import type { CompanionsContext } from '../services/index.js';
import { companionLoader } from '../services/loaders.js';
import { CompanionConnection, CompanionInput, CompanionNode, UserRef } from './types.js';

@Resolver(() => CompanionNode)
export class CompanionResolver {
  @Query(() => CompanionNode, { nullable: true, description: "A PUBLIC companion, or one of the viewer's own." })
  async companion(@Arg('id', () => ID) id: string, @Ctx() ctx: CompanionsContext): Promise<Companion | null> {
    const companion = await companionLoader(ctx.loaders, ctx.em).load(id);
    return canSee(companion, ctx.identity) ? companion : null;
  }

  @Query(() => CompanionConnection, { description: "Every PUBLIC companion and the viewer's own, newest first." })
  companions(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: CompanionsContext,
  ): Promise<Page<Companion>> {
    return ctx.services.companions.list(ctx.em, ctx.identity, first, after);
  }

  @FieldResolver(() => UserRef)
  owner(@Root() companion: Companion): UserRef {
    return { id: companion.ownerId };
  }

  @Authorized()
  @Mutation(() => CompanionNode)
  createCompanion(@Arg('input', () => CompanionInput) input: CompanionInput, @Ctx() ctx: CompanionsContext) {
    return ctx.services.companions.create(ctx.em, ctx.identity, input);
  }

  @Authorized()
  @Mutation(() => CompanionNode, { description: 'Owner only; anyone else gets NOT_FOUND.' })
  updateCompanion(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => CompanionInput) input: CompanionInput,
    @Ctx() ctx: CompanionsContext,
  ) {
    return ctx.services.companions.update(ctx.em, ctx.identity, id, input);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Owner only. Existing conversations keep their history.' })
  async deleteCompanion(@Arg('id', () => ID) id: string, @Ctx() ctx: CompanionsContext): Promise<boolean> {
    await ctx.services.companions.delete(ctx.em, ctx.identity, id);
    return true;
  }
}
