import { InvalidTokenError, type AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import type { Revocations } from '../platform/auth/revocation.js';

export type Authentication = { identity: Identity | null } | { error: string };

/**
 * Reads `Bearer <token>`: no header means anonymous; a malformed, forged, expired or
 * revoked token is an error (never silently anonymous).
 */
export async function authenticate(
  header: string | undefined,
  tokens: AccessTokenIssuer,
  revocations: Revocations,
): Promise<Authentication> {
  if (header === undefined || header === '') return { identity: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return { error: 'Authorization must be "Bearer <accessToken>"' };
  try {
    const token = await tokens.verify(match[1]!);
    if (await revocations.isRevoked(token)) return { error: 'Access token has been revoked' };
    return { identity: { userId: token.userId, role: token.role, sessionId: token.sessionId } };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { error: error.message };
    throw error;
  }
}
