import type { KeyValueStore } from '../state/shared-state.js';

/**
 * Revocations the gateway checks on every request, written by the users subgraph:
 * a revoked session (logout, refresh-token replay) and a per-user cut-off instant
 * (sanctions) before which tokens are refused. Kept as long as an access token lives.
 */
export class Revocations {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  async revokeSession(sessionId: string): Promise<void> {
    await this.kv.set(`auth:session-revoked:${sessionId}`, '1', this.accessTokenTtlSeconds);
  }

  /** Every token of this user issued up to now is refused. */
  async cutOffUser(userId: string, at = new Date()): Promise<void> {
    const seconds = Math.ceil(at.getTime() / 1000);
    await this.kv.set(`auth:valid-after:${userId}`, String(seconds), this.accessTokenTtlSeconds);
  }

  async isRevoked(token: { userId: string; sessionId: string; issuedAt: number }): Promise<boolean> {
    const [session, cutOff] = await Promise.all([
      this.kv.get(`auth:session-revoked:${token.sessionId}`),
      this.kv.get(`auth:valid-after:${token.userId}`),
    ]);
    return session !== null || (cutOff !== null && token.issuedAt < Number(cutOff));
  }
}
