import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import {
  BLOCKED_STATUSES,
  RESTRICTED_STATUSES,
  type Identity,
  type Restriction,
} from '../../../platform/auth/identity.js';
import type { AccessTokenIssuer } from '../../../platform/auth/jwt.js';
import type { Revocations } from '../../../platform/auth/revocation.js';
import type { RequestScope } from '../../../platform/context.js';
import { appError, ErrorCode, unauthenticated } from '../../../platform/errors.js';
import { stageEvent } from '../../../platform/events/outbox.js';
import type { OutboxRelay } from '../../../platform/events/outbox.js';
import { RefreshToken } from '../entities/refresh-token.js';
import { Session } from '../entities/session.js';
import { User } from '../entities/user.js';
import type { SuspensionSweeper } from './suspension-sweeper.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: User;
  sessionId: string;
  /** Set when the account is suspended or banned: the tokens open a restricted session only. */
  restricted?: Restriction;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const accountBlocked = (status: string) =>
  appError(ErrorCode.FORBIDDEN, `Account is ${status.toLowerCase()}`, { reason: `ACCOUNT_${status}` });

/** A suspended or banned user's session is restricted; null for everyone else. */
export function restrictionOf(user: User): Restriction | null {
  if (!RESTRICTED_STATUSES.has(user.status)) return null;
  const until = user.status === 'SUSPENDED' && user.suspendedUntil ? user.suspendedUntil.getTime() : null;
  return { status: user.status as Restriction['status'], until };
}

/** Sessions, rotating refresh tokens and the checks that tie a token to a live session. */
export class SessionService {
  constructor(
    private readonly deps: {
      tokens: AccessTokenIssuer;
      revocations: Revocations;
      outbox: OutboxRelay;
      suspensions: SuspensionSweeper;
      refreshTtlSeconds: number;
    },
  ) {}

  /** Opens a session for a user who just proved who they are. Runs inside the caller's transaction. */
  async open(tx: EntityManager, user: User): Promise<IssuedTokens> {
    const session = tx.create(Session, { user });
    const refreshToken = this.newRefreshToken(tx, session);
    return this.issue(user, session, refreshToken);
  }

  /** An access token for a session; restricted while the account is suspended or banned. */
  private async issue(user: User, session: Session, refreshToken: string): Promise<IssuedTokens> {
    const identity: Identity = { userId: user.id, role: user.role, sessionId: session.id };
    const restricted = restrictionOf(user);
    if (restricted) identity.restricted = restricted;
    // Never before the last cut-off: it is kept in whole seconds, and this token must outlive it.
    const access = await this.deps.tokens.sign(identity, user.tokensValidAfter);
    const issued: IssuedTokens = {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken,
      user,
      sessionId: session.id,
    };
    if (restricted) issued.restricted = restricted;
    return issued;
  }

  /**
   * Rotates a refresh token. A token is good once: presenting a used one means it
   * was stolen or replayed, so the whole session (token family) is revoked.
   */
  async refresh({ em }: RequestScope, presented: string): Promise<IssuedTokens> {
    const invalid = () => unauthenticated('Invalid refresh token');
    if (!/^[\w-]{20,200}$/.test(presented)) throw invalid();
    const token = await em.findOne(
      RefreshToken,
      { tokenHash: hashToken(presented) },
      { populate: ['session', 'session.user'] },
    );
    if (!token) throw invalid();
    const session = token.session;
    if (session.revokedAt) throw invalid();
    // Claim the token atomically: of two concurrent refreshes with one token, one wins.
    const claimed = await em.nativeUpdate(RefreshToken, { id: token.id, usedAt: null }, { usedAt: new Date() });
    if (claimed === 0) {
      await this.revoke(em, session, 'refresh-reuse');
      throw invalid();
    }
    if (token.expiresAt.getTime() <= Date.now()) throw unauthenticated('Refresh token expired');
    const user = await this.deps.suspensions.liftIfDue(em, session.user);
    if (user.status === 'DELETED') throw accountBlocked(user.status);
    const refreshToken = this.newRefreshToken(em, session);
    await em.flush();
    return this.issue(user, session, refreshToken);
  }

  /**
   * The caller's live session and account: refused when the session was revoked
   * or the account is blocked, even if the access token has not expired yet. A
   * restricted session (made for a suspended or banned account) passes.
   */
  async requireLive({ em, identity }: RequestScope): Promise<{ session: Session; user: User }> {
    if (!identity) throw unauthenticated();
    const session = await em.findOne(
      Session,
      { id: identity.sessionId, user: identity.userId },
      { populate: ['user'] },
    );
    if (!session || session.revokedAt) throw unauthenticated('Session has ended');
    const status = session.user.status;
    const restrictedAllowed = identity.restricted !== undefined && RESTRICTED_STATUSES.has(status);
    if (BLOCKED_STATUSES.has(status) && !restrictedAllowed) throw unauthenticated(`Account is ${status.toLowerCase()}`);
    return { session, user: session.user };
  }

  async logout(scope: RequestScope): Promise<void> {
    const { em } = scope;
    const { session, user } = await this.requireLive(scope);
    await em.transactional(async (tx) => {
      session.revokedAt = new Date();
      session.revokedReason = 'logout';
      tx.persist(session);
      stageEvent(tx, 'user.logout', { userId: user.id, actorId: user.id, payload: { sessionId: session.id } });
    });
    await this.deps.revocations.revokeSession(session.id, 'logout');
    this.deps.outbox.kick();
  }

  /** Ends every session of a user, optionally keeping one (the caller's). Inside the caller's transaction. */
  async revokeAll(tx: EntityManager, user: User, reason: string, keepSessionId?: string): Promise<string[]> {
    const sessions = await tx.find(Session, { user, revokedAt: null });
    const revoked: string[] = [];
    for (const session of sessions) {
      if (session.id === keepSessionId) continue;
      session.revokedAt = new Date();
      session.revokedReason = reason;
      revoked.push(session.id);
    }
    return revoked;
  }

  async announceRevoked(sessionIds: string[], reason: string): Promise<void> {
    await Promise.all(sessionIds.map((id) => this.deps.revocations.revokeSession(id, reason)));
  }

  private async revoke(em: EntityManager, session: Session, reason: string) {
    await em.nativeUpdate(
      Session,
      { id: session.id, revokedAt: null },
      { revokedAt: new Date(), revokedReason: reason },
    );
    await this.deps.revocations.revokeSession(session.id, reason);
  }

  private newRefreshToken(em: EntityManager, session: Session): string {
    const value = randomBytes(32).toString('base64url');
    em.create(RefreshToken, {
      session,
      tokenHash: hashToken(value),
      expiresAt: new Date(Date.now() + this.deps.refreshTtlSeconds * 1000),
    });
    return value;
  }
}

export { User };
