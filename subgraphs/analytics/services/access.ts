import type { Identity } from '../../../platform/auth/identity.js';
import { forbidden, unauthenticated } from '../../../platform/errors.js';

export const isAnalyst = (identity: Identity | null) => identity?.role === 'ANALYST' || identity?.role === 'ADMIN';

/** Platform-wide figures: analysts and admins. */
export function requireAnalyst(identity: Identity | null): Identity {
  if (!identity) throw unauthenticated();
  if (!isAnalyst(identity)) throw forbidden('Analysts and admins only');
  return identity;
}

/** One user's figures: the user themselves, analysts and admins. */
export function requireUserAccess(identity: Identity | null, userId: string): Identity {
  if (!identity) throw unauthenticated();
  if (identity.userId !== userId && !isAnalyst(identity))
    throw forbidden("Only the user, analysts and admins see a user's metrics");
  return identity;
}
