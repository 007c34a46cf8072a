import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../../platform/pagination.js';
import type { Companion } from '../entities/companion.js';
import { canSee, isAvailable, showsPersona } from '../services/companion-service.js';
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
    return ctx.services.companions.list(ctx, first, after);
  }

  @FieldResolver(() => UserRef)
  owner(@Root() companion: Companion): UserRef {
    return { id: companion.ownerId };
  }

  @FieldResolver(() => String)
  description(@Root() companion: Companion, @Ctx() ctx: CompanionsContext): string {
    return showsPersona(companion, ctx.identity) ? companion.description : '';
  }

  @FieldResolver(() => [String])
  personality(@Root() companion: Companion, @Ctx() ctx: CompanionsContext): string[] {
    return showsPersona(companion, ctx.identity) ? companion.personality : [];
  }

  @FieldResolver(() => Boolean, {
    description:
      'Whether the viewer may chat with it. False once it is deleted, or once its owner made it PRIVATE ' +
      "(seen through the viewer's earlier conversation): sendMessage is then refused, and for anyone but " +
      'the owner description and personality are withheld (empty).',
  })
  available(@Root() companion: Companion, @Ctx() ctx: CompanionsContext): boolean {
    return isAvailable(companion, ctx.identity);
  }

  @Authorized()
  @Mutation(() => CompanionNode)
  createCompanion(@Arg('input', () => CompanionInput) input: CompanionInput, @Ctx() ctx: CompanionsContext) {
    return ctx.services.companions.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => CompanionNode, { description: 'Owner only; anyone else gets NOT_FOUND.' })
  updateCompanion(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => CompanionInput) input: CompanionInput,
    @Ctx() ctx: CompanionsContext,
  ) {
    return ctx.services.companions.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Owner only. Existing conversations keep their history.' })
  async deleteCompanion(@Arg('id', () => ID) id: string, @Ctx() ctx: CompanionsContext): Promise<boolean> {
    await ctx.services.companions.delete(ctx, id);
    return true;
  }
}
