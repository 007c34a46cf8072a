import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import type { User } from '../entities/user.js';
import { UserNode } from '../resolvers/types.js';
import type { UsersContext } from '../services/index.js';
import type { ConsentPurpose } from './consent-record.js';
import type { ConsentRecord } from './consent-record.js';
import type { CurrentConsent } from './consent-service.js';
import { ConsentNode, ConsentPurposeEnum, ConsentRecordNode } from './consent-types.js';

const mayRead = (ctx: UsersContext, user: User) =>
  !!ctx.identity && (ctx.identity.userId === user.id || ctx.identity.role === 'ADMIN');

@Resolver(() => UserNode)
export class ConsentResolver {
  @AllowRestricted()
  @FieldResolver(() => [ConsentNode], {
    nullable: true,
    description: 'Current consent per purpose: the user themselves and admins; null otherwise.',
  })
  consents(@Root() user: User, @Ctx() ctx: UsersContext): Promise<CurrentConsent[]> | null {
    return mayRead(ctx, user) ? ctx.services.privacy.consents.current(ctx.em, user.id) : null;
  }

  @AllowRestricted()
  @FieldResolver(() => [ConsentRecordNode], {
    nullable: true,
    description: 'Every consent decision, newest first, with the accepted terms: the user themselves and admins.',
  })
  consentHistory(@Root() user: User, @Ctx() ctx: UsersContext): Promise<ConsentRecord[]> | null {
    return mayRead(ctx, user) ? ctx.services.privacy.consents.history(ctx.em, user.id) : null;
  }

  @AllowRestricted()
  @Query(() => String, {
    description: 'The version of the terms and privacy policy in force: the one registration and setConsent name.',
  })
  privacyPolicyVersion(@Ctx() ctx: UsersContext): string {
    return ctx.services.privacy.consents.policyVersion;
  }

  @Authorized()
  @AllowRestricted()
  @Mutation(() => [ConsentNode], {
    description: 'Grants or withdraws a consent under the given policy version; returns the current consents.',
  })
  setConsent(
    @Arg('purpose', () => ConsentPurposeEnum) purpose: ConsentPurpose,
    @Arg('granted', () => Boolean) granted: boolean,
    @Arg('policyVersion', () => String) policyVersion: string,
    @Ctx() ctx: UsersContext,
  ): Promise<CurrentConsent[]> {
    return ctx.services.privacy.consents.set(ctx, purpose, granted, policyVersion);
  }
}
