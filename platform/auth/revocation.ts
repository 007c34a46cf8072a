import type { KeyValueStore, PubSub } from '../state/shared-state.js';

/** Channel on shared pub/sub where every revocation is pushed (open sockets and streams end on it). */
export const REVOCATION_CHANNEL = 'auth:revocations';

/**
 * Why a token stopped being valid. Sanctions (a blocking account status) are FORBIDDEN
 * to the client; everything else (logout, refresh-token replay, password change) means
 * "sign in again" (UNAUTHENTICATED).
 */
export type RevocationKind = 'session-ended' | 'sanctioned';

/** What is pushed on REVOCATION_CHANNEL. */
export type RevocationMessage =
  | { type: 'session'; sessionId: string; kind: RevocationKind; reason: string }
  | { type: 'user'; userId: string; validAfter: number; kind: RevocationKind; reason: string };

/** A revoked token's verdict, or null when the token is still good. */
export interface Revoked {
  kind: RevocationKind;
  reason: string;
}

/** Session revocation reasons that come from a sanction (see users' AccountService.setStatus). */
const SANCTION_PREFIX = 'status-';

export function kindOfReason(reason: string): RevocationKind {
  return reason.startsWith(SANCTION_PREFIX) ? 'sanctioned' : 'session-ended';
}

/**
 * Revocations the gateway checks on every request, written by the users subgraph:
 * a revoked session (logout, refresh-token replay) and a per-user cut-off instant
 * (sanctions) before which tokens are refused. Kept as long as an access token lives.
 * With a pub/sub, each revocation is also pushed so that open connections end at once.
 */
export class Revocations {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly accessTokenTtlSeconds: number,
    private readonly pubsub?: PubSub,
  ) {}

  async revokeSession(sessionId: string, reason = 'logout'): Promise<void> {
    await this.kv.set(`auth:session-revoked:${sessionId}`, reason, this.accessTokenTtlSeconds);
    await this.push({ type: 'session', sessionId, kind: kindOfReason(reason), reason });
  }

  /** Every token of this user issued up to now is refused (a sanction). */
  async cutOffUser(userId: string, at = new Date(), reason = 'status-suspended'): Promise<void> {
    const seconds = Math.ceil(at.getTime() / 1000);
    await this.kv.set(`auth:valid-after:${userId}`, String(seconds), this.accessTokenTtlSeconds);
    await this.push({ type: 'user', userId, validAfter: seconds, kind: 'sanctioned', reason });
  }

  async isRevoked(token: { userId: string; sessionId: string; issuedAt: number }): Promise<boolean> {
    return (await this.check(token)) !== null;
  }

  /** Why this token is revoked, or null. */
  async check(token: { userId: string; sessionId: string; issuedAt: number }): Promise<Revoked | null> {
    const [session, cutOff] = await Promise.all([
      this.kv.get(`auth:session-revoked:${token.sessionId}`),
      this.kv.get(`auth:valid-after:${token.userId}`),
    ]);
    if (cutOff !== null && token.issuedAt < Number(cutOff)) return { kind: 'sanctioned', reason: 'sanctioned' };
    // Older entries hold '1' (before reasons were stored): a plain ended session.
    if (session !== null) return { kind: kindOfReason(session), reason: session === '1' ? 'revoked' : session };
    return null;
  }

  private async push(message: RevocationMessage): Promise<void> {
    await this.pubsub?.publish(REVOCATION_CHANNEL, JSON.stringify(message));
  }
}
