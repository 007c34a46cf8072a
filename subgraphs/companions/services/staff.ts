import type { Identity } from '../../../platform/auth/identity.js';

/** Moderators and admins: they may read what moderation withholds (blocked text, rejected companions). */
export function isStaff(viewer: Identity | null): boolean {
  return viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN';
}
