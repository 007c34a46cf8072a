import type { AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import type { Revocations } from '../platform/auth/revocation.js';
import { ErrorCode } from '../platform/errors.js';
import type { RateLimiter } from '../platform/state/shared-state.js';
import type { DocumentNode } from 'graphql';
import { authenticate, type TokenSession } from './authenticate.js';
import { restrictedRefusal } from './restricted-sessions.js';

/** Who sends an operation over a long-lived transport: the token it connected with and its address. */
export interface Caller {
  authorization: string | undefined;
  /** From gateway/client-address.ts (X-Forwarded-For when TRUST_PROXY), exactly as for HTTP. */
  address: string;
}

/** A refusal in the shape of a formatted GraphQL error. */
export interface GuardRefusal {
  message: string;
  extensions: { code: string } & Record<string, unknown>;
}

export type Verdict =
  | { identity: Identity | null; session?: TokenSession }
  /** `renewable`: a fresh token would pass (the old one expired or its session was revoked). */
  | { refusal: GuardRefusal; renewable?: boolean };

export interface OperationGuard {
  /** Runs before every operation over WebSocket, SSE or multipart, like the HTTP guard does per request. */
  check(caller: Caller): Promise<Verdict>;
  /**
   * Whether this identity may run this operation (a restricted session only its allowlist);
   * queries and mutations get the same check in Apollo (restrictedSessionsPlugin).
   */
  admit(identity: Identity | null, document: DocumentNode, operationName?: string | null): GuardRefusal | null;
}

/**
 * The per-operation checks of every streaming transport: the API rate limit per client
 * address, then the token again (signature, expiry, revocation, sanction), so a socket
 * opened with a token that has since ended cannot run anything. The sign-in rate limit
 * is Apollo's authRateLimitPlugin, keyed by the same address through the context.
 */
export function createOperationGuard(deps: {
  tokens: AccessTokenIssuer;
  revocations: Revocations;
  apiLimiter: RateLimiter;
}): OperationGuard {
  return {
    async check(caller) {
      const limit = await deps.apiLimiter.consume(caller.address);
      if (!limit.allowed) {
        return {
          refusal: {
            message: 'Too many requests',
            extensions: { code: ErrorCode.RATE_LIMITED, retryAfterMs: limit.retryAfterMs },
          },
        };
      }
      const auth = await authenticate(caller.authorization, deps.tokens, deps.revocations);
      if ('error' in auth) {
        return {
          refusal: { message: auth.error, extensions: { code: auth.code } },
          renewable: auth.reason === 'expired' || auth.reason === 'revoked',
        };
      }
      return auth;
    },
    admit: restrictedRefusal,
  };
}
