import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { BLOCKED_STATUSES, type Identity } from '../../../platform/auth/identity.js';
import type { AccessTokenIssuer } from '../../../platform/auth/jwt.js';
import type { Revocations } from '../../../platform/auth/revocation.js';
import { appError, ErrorCode, unauthenticated } from '../../../platform/errors.js';
import { stageEvent } from '../../../platform/events/outbox.js';
import type { OutboxRelay } from '../../../platform/events/outbox.js';
import { RefreshToken } from '../entities/refresh-token.js';
import { Session } from '../entities/session.js';
import { User } from '../entities/user.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: User;
  sessionId: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const accountBlocked = (status: string) =>
  appError(ErrorCode.FORBIDDEN, `Account is ${status.toLowerCase()}`, { reason: `ACCOUNT_${status}` });

/** Sessions, rotating refresh tokens and the checks that tie a token to a live session. */
export class SessionService {
  constructor(
    private readonly deps: {
      tokens: AccessTokenIssuer;
      revocations: Revocations;
      outbox: OutboxRelay;
      refreshTtlSeconds: number;
    },
  ) {}

  /** Opens a session for a user who just proved who they are. Runs inside the caller's transaction. */
  async open(tx: EntityManager, user: User): Promise<IssuedTokens> {
    const session = tx.create(Session, { user });
    const refreshToken = this.newRefreshToken(tx, session);
    const access = await this.deps.tokens.sign({ userId: user.id, role: user.role, sessionId: session.id });
    return { accessToken: access.token, expiresAt: access.expiresAt, refreshToken, user, sessionId: session.id };
  }

  /**
   * Rotates a refresh token. A token is good once: presenting a used one means it
   * was stolen or replayed, so the whole session (token family) is revoked.
   */
  async refresh(em: EntityManager, presented: string): Promise<IssuedTokens> {
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
    const user = session.user;
    if (BLOCKED_STATUSES.has(user.status)) throw accountBlocked(user.status);
    const refreshToken = this.newRefreshToken(em, session);
    await em.flush();
    const access = await this.deps.tokens.sign({ userId: user.id, role: user.role, sessionId: session.id });
    return { accessToken: access.token, expiresAt: access.expiresAt, refreshToken, user, sessionId: session.id };
  }

  /**
   * The caller's live session and account: refused when the session was revoked
   * or the account is blocked, even if the access token has not expired yet.
   */
  async requireLive(em: EntityManager, identity: Identity | null): Promise<{ session: Session; user: User }> {
    if (!identity) throw unauthenticated();
    const session = await em.findOne(
      Session,
      { id: identity.sessionId, user: identity.userId },
      { populate: ['user'] },
    );
    if (!session || session.revokedAt) throw unauthenticated('Session has ended');
    if (BLOCKED_STATUSES.has(session.user.status))
      throw unauthenticated(`Account is ${session.user.status.toLowerCase()}`);
    return { session, user: session.user };
  }

  async logout(em: EntityManager, identity: Identity | null): Promise<void> {
    const { session, user } = await this.requireLive(em, identity);
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
