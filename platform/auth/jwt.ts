import { createSecretKey } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { isRestriction, isRole, type Identity } from './identity.js';

/** Access tokens: short-lived HS256 JWTs carrying user id, role and session id. */
export interface AccessTokenIssuer {
  /**
   * `notBefore`: the token's `iat` is at least this instant, so a token issued in the same
   * second as a sanction's cut-off (kept at second granularity) is not refused by it.
   */
  sign(identity: Identity, notBefore?: Date | null): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<VerifiedToken>;
}

export interface VerifiedToken extends Identity {
  issuedAt: number;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  constructor(readonly reason: 'expired' | 'invalid') {
    super(reason === 'expired' ? 'Access token expired' : 'Invalid access token');
  }
}

export function createTokenIssuer(options: { secret: string; issuer: string; ttlSeconds: number }): AccessTokenIssuer {
  // A KeyObject made once: passing raw bytes would make jose import the key on every call.
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  return {
    async sign(identity, notBefore) {
      const now = Math.max(Math.floor(Date.now() / 1000), Math.ceil((notBefore?.getTime() ?? 0) / 1000));
      const exp = now + options.ttlSeconds;
      const claims: Record<string, unknown> = { role: identity.role, sid: identity.sessionId };
      // `rst`: a restricted session (a suspended or banned user); absent on a full one.
      if (identity.restricted) claims.rst = identity.restricted;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(identity.userId)
        .setIssuer(options.issuer)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verify(token) {
      try {
        // Only HS256 is accepted: "alg: none" and algorithm confusion fail here.
        const { payload } = await jwtVerify(token, key, { issuer: options.issuer, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || !isRole(payload.role)) {
          throw new InvalidTokenError('invalid');
        }
        if (payload.rst !== undefined && !isRestriction(payload.rst)) throw new InvalidTokenError('invalid');
        const verified: VerifiedToken = {
          userId: payload.sub,
          role: payload.role,
          sessionId: payload.sid,
          issuedAt: payload.iat ?? 0,
        };
        if (payload.rst !== undefined) verified.restricted = payload.rst;
        return verified;
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('expired');
        throw new InvalidTokenError('invalid');
      }
    },
  };
}
