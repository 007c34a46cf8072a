import type { EntityManager } from '@mikro-orm/core';
import type { Identity } from '../../../platform/auth/identity.js';
import { appError, badInput, ErrorCode, forbidden, notFound, unauthenticated } from '../../../platform/errors.js';
import { ModerationCase } from '../entities/moderation-case.js';
import { isStaff, type AccountRoles } from './roles.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export const refuse = (message: string, reason: string) => appError(ErrorCode.FORBIDDEN, message, { reason });
export const conflict = (message: string, reason: string, extra: Record<string, unknown> = {}) =>
  appError(ErrorCode.BAD_USER_INPUT, message, { reason, ...extra });

export function requireStaff(viewer: Identity | null): Identity {
  if (!viewer) throw unauthenticated();
  if (!isStaff(viewer)) throw forbidden('Moderators and admins only');
  return viewer;
}

export function requireViewer(viewer: Identity | null): Identity {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** Unknown (or malformed) ids are NOT_FOUND. */
export function caseId(id: string): string {
  if (!isUuid(id)) throw notFound('Moderation case');
  return id;
}

export async function findCase(em: EntityManager, id: string): Promise<ModerationCase> {
  const found = await em.findOne(ModerationCase, { id: caseId(id) });
  if (!found) throw notFound('Moderation case');
  return found;
}

/** Nobody decides on their own content; only an admin acts on content by staff. */
export async function checkActor(
  em: EntityManager,
  roles: AccountRoles,
  viewer: Identity,
  c: ModerationCase,
): Promise<void> {
  if (c.authorId === viewer.userId) throw refuse('You cannot moderate your own content', 'OWN_CONTENT');
  if (viewer.role !== 'ADMIN' && c.authorId) {
    const role = await roles.roleOf(em, c.authorId);
    if (role === 'MODERATOR' || role === 'ADMIN') {
      throw refuse('Only an admin acts on content by staff', 'AUTHOR_IS_STAFF');
    }
  }
}

/** A live claim by someone else blocks everyone but its holder. */
export function checkClaim(viewer: Identity, c: ModerationCase, now = new Date()): void {
  if (c.claimedBy && c.claimedBy !== viewer.userId && c.claimedUntil && c.claimedUntil > now) {
    throw conflict('Another moderator has claimed this case', 'CASE_CLAIMED', {
      claimedUntil: c.claimedUntil.toISOString(),
    });
  }
}

export function text(value: string | null | undefined, field: string, max: number, required: boolean): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) {
    if (required) throw badInput(`${field} is required`, field, 'REQUIRED');
    return null;
  }
  if (trimmed.length > max) throw badInput(`${field} is longer than ${max} characters`, field, 'TOO_LONG');
  return trimmed;
}
