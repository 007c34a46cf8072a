import 'reflect-metadata';
import type { Identity } from '../../../platform/auth/identity.js';
import type { Companion } from '../entities/companion.js';
import { canSee, isAvailable, showsPersona } from './companion-service.js';

const owner: Identity = { userId: 'owner', role: 'USER', sessionId: 's1' };
const other: Identity = { userId: 'other', role: 'USER', sessionId: 's2' };
const moderator: Identity = { userId: 'mod', role: 'MODERATOR', sessionId: 's3' };
const companion = (fields: Partial<Companion>) =>
  ({ id: 'c', ownerId: 'owner', visibility: 'PUBLIC', deletedAt: null, ...fields }) as Companion;

describe('who sees a companion, chats with it, and reads its persona', () => {
  test('PUBLIC: everyone', () => {
    const open = companion({});
    for (const viewer of [owner, other, null]) {
      expect(canSee(open, viewer)).toBe(true);
      expect(isAvailable(open, viewer)).toBe(true);
      expect(showsPersona(open, viewer)).toBe(true);
    }
  });

  test('PRIVATE: the owner only; others keep no persona', () => {
    const closed = companion({ visibility: 'PRIVATE' });
    expect([owner, other, null].map((viewer) => isAvailable(closed, viewer))).toEqual([true, false, false]);
    expect([owner, other, null].map((viewer) => showsPersona(closed, viewer))).toEqual([true, false, false]);
  });

  test('deleted: unavailable to all, persona left to the owner', () => {
    const gone = companion({ deletedAt: new Date() });
    expect([owner, other].map((viewer) => isAvailable(gone, viewer))).toEqual([false, false]);
    expect([owner, other].map((viewer) => showsPersona(gone, viewer))).toEqual([true, false]);
  });

  test('blocked by moderation: hidden from all but staff, chattable by nobody, persona to staff only', () => {
    const blocked = companion({ blockedAt: new Date() });
    const viewers = [owner, other, null, moderator];
    expect(viewers.map((viewer) => canSee(blocked, viewer))).toEqual([false, false, false, true]);
    expect(viewers.map((viewer) => isAvailable(blocked, viewer))).toEqual([false, false, false, false]);
    expect(viewers.map((viewer) => showsPersona(blocked, viewer))).toEqual([false, false, false, true]);
  });
});
