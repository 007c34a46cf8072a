import type { AuthChecker } from 'type-graphql';
import { forbidden, unauthenticated } from '../errors.js';
import type { RequestContext } from '../context.js';

/**
 * type-graphql's @Authorized(): no identity → UNAUTHENTICATED; identity without
 * one of the listed roles → FORBIDDEN. ADMIN passes every role check.
 */
export const authChecker: AuthChecker<RequestContext> = ({ context }, roles) => {
  const identity = context.identity;
  if (!identity) throw unauthenticated();
  if (roles.length === 0 || identity.role === 'ADMIN' || roles.includes(identity.role)) return true;
  throw forbidden();
};
