import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import type { UsersContext } from '../services/index.js';

@Resolver()
export class ErasureResolver {
  @Authorized()
  @AllowRestricted()
  @Mutation(() => Boolean, {
    description:
      'Deletes the account at once (sign-in refused, every token revoked, profile shown as a deleted user); every subgraph then erases its data (docs/privacy.md).',
  })
  deleteAccount(@Arg('password', () => String) password: string, @Ctx() ctx: UsersContext): Promise<boolean> {
    return ctx.services.privacy.erasure.deleteAccount(ctx, password);
  }
}
