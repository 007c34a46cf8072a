import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import type { UsersContext } from '../services/index.js';
import type { IssuedTokens } from '../services/session-service.js';
import { AuthPayload, LoginInput, RegisterInput } from './types.js';

/** From here on the request acts as the signed-in user (so `user { email }` in the payload is visible). */
function signedIn(ctx: UsersContext, issued: IssuedTokens): AuthPayload {
  ctx.identity = { userId: issued.user.id, role: issued.user.role, sessionId: issued.sessionId };
  if (issued.restricted) ctx.identity.restricted = issued.restricted;
  const { accessToken, refreshToken, expiresAt, user } = issued;
  return { accessToken, refreshToken, expiresAt, user, restricted: issued.restricted !== undefined };
}

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates an account and signs it in.' })
  async register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Ctx() ctx: UsersContext,
  ): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.accounts.register(ctx, input));
  }

  @AllowRestricted()
  @Mutation(() => AuthPayload, {
    description:
      'Unknown email and wrong password get the same answer. A suspended or banned account gets a restricted session.',
  })
  async login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: UsersContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.accounts.login(ctx, input.email, input.password));
  }

  @AllowRestricted()
  @Mutation(() => AuthPayload, {
    description: 'Rotates the refresh token. Replaying a used one ends its whole session.',
  })
  async refreshToken(
    @Arg('refreshToken', () => String) refreshToken: string,
    @Ctx() ctx: UsersContext,
  ): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.sessions.refresh(ctx, refreshToken));
  }

  @Authorized()
  @AllowRestricted()
  @Mutation(() => Boolean, { description: "Ends the caller's session: its access and refresh tokens stop working." })
  async logout(@Ctx() ctx: UsersContext): Promise<boolean> {
    await ctx.services.sessions.logout(ctx);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every other session of the account.' })
  async changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: UsersContext,
  ): Promise<boolean> {
    await ctx.services.accounts.changePassword(ctx, currentPassword, newPassword);
    return true;
  }
}
