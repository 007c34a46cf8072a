import { decodeJwt } from 'jose';
import { InvalidTokenError, type AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import type { Revocations } from '../platform/auth/revocation.js';
import { ErrorCode } from '../platform/errors.js';

/** The verified token behind an identity: what a long-lived connection watches. */
export interface TokenSession extends Identity {
  issuedAt: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type Authentication =
  | { identity: null }
  | { identity: Identity; session: TokenSession }
  | {
      error: string;
      code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.FORBIDDEN;
      /** expired and revoked tokens can be replaced by a refresh; invalid ones and sanctions cannot. */
      reason: 'invalid' | 'expired' | 'revoked' | 'sanctioned';
    };

/**
 * Reads `Bearer <token>`: no header means anonymous; a malformed, forged, expired or
 * revoked token is an error (never silently anonymous). A token cut off by a sanction
 * is FORBIDDEN, any other failure UNAUTHENTICATED.
 */
export async function authenticate(
  header: string | undefined,
  tokens: AccessTokenIssuer,
  revocations: Revocations,
): Promise<Authentication> {
  if (header === undefined || header === '') return { identity: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return {
      error: 'Authorization must be "Bearer <accessToken>"',
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'invalid',
    };
  }
  try {
    const token = await tokens.verify(match[1]!);
    const revoked = await revocations.check(token);
    if (revoked?.kind === 'sanctioned') {
      return { error: 'Account is suspended or banned', code: ErrorCode.FORBIDDEN, reason: 'sanctioned' };
    }
    if (revoked) return { error: 'Access token has been revoked', code: ErrorCode.UNAUTHENTICATED, reason: 'revoked' };
    const identity: Identity = { userId: token.userId, role: token.role, sessionId: token.sessionId };
    // A suspended or banned user's session: gateway/restricted-sessions.ts limits what it may run.
    if (token.restricted) identity.restricted = token.restricted;
    // verify() checked the signature and `exp`; read `exp` for expiry timers on open connections.
    const exp = decodeJwt(match[1]!).exp ?? 0;
    return { identity, session: { ...identity, issuedAt: token.issuedAt, expiresAt: exp * 1000 } };
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      return { error: error.message, code: ErrorCode.UNAUTHENTICATED, reason: error.reason };
    }
    throw error;
  }
}
