import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { UsersContext } from '../services/index.js';
import type { IssuedTokens } from '../services/session-service.js';
import { AuthPayload, LoginInput, RegisterInput } from './types.js';

/** From here on the request acts as the signed-in user (so `user { email }` in the payload is visible). */
function signedIn(ctx: UsersContext, issued: IssuedTokens): IssuedTokens {
  ctx.identity = { userId: issued.user.id, role: issued.user.role, sessionId: issued.sessionId };
  return issued;
}

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates an account and signs it in.' })
  async register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Ctx() ctx: UsersContext,
  ): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.accounts.register(ctx.em, input));
  }

  @Mutation(() => AuthPayload, { description: 'Unknown email and wrong password get the same answer.' })
  async login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: UsersContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.accounts.login(ctx.em, input.email, input.password));
  }

  @Mutation(() => AuthPayload, {
    description: 'Rotates the refresh token. Replaying a used one ends its whole session.',
  })
  async refreshToken(
    @Arg('refreshToken', () => String) refreshToken: string,
    @Ctx() ctx: UsersContext,
  ): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.sessions.refresh(ctx.em, refreshToken));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Ends the caller's session: its access and refresh tokens stop working." })
  async logout(@Ctx() ctx: UsersContext): Promise<boolean> {
    await ctx.services.sessions.logout(ctx.em, ctx.identity);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every other session of the account.' })
  async changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: UsersContext,
  ): Promise<boolean> {
    await ctx.services.accounts.changePassword(ctx.em, ctx.identity, currentPassword, newPassword);
    return true;
  }
}
