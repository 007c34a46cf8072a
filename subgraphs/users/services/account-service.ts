import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { BLOCKED_STATUSES, type Identity, type Role, type UserStatus } from '../../../platform/auth/identity.js';
import type { PasswordHasher } from '../../../platform/auth/password.js';
import type { Revocations } from '../../../platform/auth/revocation.js';
import { badInput, forbidden, notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { User } from '../entities/user.js';
import { accountBlocked, type IssuedTokens, type SessionService } from './session-service.js';
import { normalizeEmail, validateDisplayName, validatePassword } from './validation.js';

export interface RegisterInput {
  email: string;
  password: string;
  displayName: string;
}

const emailTaken = () => badInput('An account with this email already exists', 'email', 'EMAIL_TAKEN');
const wrongCredentials = () => unauthenticated('Invalid email or password');

/** Accounts: registration, login, profile, password and status. */
export class AccountService {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private decoyHash: Promise<string>;

  constructor(
    private readonly deps: {
      passwords: PasswordHasher;
      sessions: SessionService;
      revocations: Revocations;
      outbox: OutboxRelay;
    },
  ) {
    this.decoyHash = deps.passwords.hash('decoy-password-never-matches-0');
  }

  async register(em: EntityManager, input: RegisterInput, role: Role = 'USER'): Promise<IssuedTokens> {
    const email = normalizeEmail(input.email);
    const displayName = validateDisplayName(input.displayName);
    validatePassword(input.password, email);
    if (await em.count(User, { email })) throw emailTaken();
    const passwordHash = await this.deps.passwords.hash(input.password);
    try {
      const issued = await em.transactional(async (tx) => {
        const user = tx.create(User, { email, displayName, passwordHash, role });
        stageEvent(tx, 'user.registered', {
          userId: user.id,
          actorId: user.id,
          payload: { role: user.role, plan: user.plan, status: user.status },
        });
        const tokens = await this.deps.sessions.open(tx, user);
        stageEvent(tx, 'user.login', { userId: user.id, actorId: user.id, payload: { sessionId: tokens.sessionId } });
        return tokens;
      });
      this.deps.outbox.kick();
      return issued;
    } catch (error) {
      // Two registrations racing for one email: the unique index decides, the loser gets a clear answer.
      if (error instanceof UniqueConstraintViolationException) throw emailTaken();
      throw error;
    }
  }

  async login(em: EntityManager, rawEmail: string, password: string): Promise<IssuedTokens> {
    const email = rawEmail.trim().toLowerCase();
    const user = await em.findOne(User, { email }, { populate: ['passwordHash'] });
    const matches = await this.deps.passwords.verify(password, user?.passwordHash ?? (await this.decoyHash));
    if (!user || !matches) throw wrongCredentials();
    if (BLOCKED_STATUSES.has(user.status)) throw accountBlocked(user.status);
    const issued = await em.transactional(async (tx) => {
      const tokens = await this.deps.sessions.open(tx, user);
      stageEvent(tx, 'user.login', { userId: user.id, actorId: user.id, payload: { sessionId: tokens.sessionId } });
      return tokens;
    });
    this.deps.outbox.kick();
    return issued;
  }

  async updateProfile(
    em: EntityManager,
    identity: Identity | null,
    input: { displayName?: string | null },
  ): Promise<User> {
    const { user } = await this.deps.sessions.requireLive(em, identity);
    const fields: string[] = [];
    if (input.displayName !== undefined && input.displayName !== null) {
      user.displayName = validateDisplayName(input.displayName);
      fields.push('displayName');
    }
    if (fields.length === 0) throw badInput('Nothing to update');
    await em.transactional(async (tx) => {
      tx.persist(user);
      stageEvent(tx, 'user.profile_updated', { userId: user.id, actorId: user.id, payload: { fields } });
    });
    this.deps.outbox.kick();
    return user;
  }

  /** Changes the password and ends every other session of the account. */
  async changePassword(em: EntityManager, identity: Identity | null, current: string, next: string): Promise<void> {
    const { user, session } = await this.deps.sessions.requireLive(em, identity);
    await em.populate(user, ['passwordHash']);
    if (!(await this.deps.passwords.verify(current, user.passwordHash))) {
      throw badInput('Current password is incorrect', 'currentPassword', 'WRONG_PASSWORD');
    }
    validatePassword(next, user.email, 'newPassword');
    user.passwordHash = await this.deps.passwords.hash(next);
    const revoked = await em.transactional(async (tx) => {
      tx.persist(user);
      stageEvent(tx, 'user.password_changed', { userId: user.id, actorId: user.id, payload: {} });
      return this.deps.sessions.revokeAll(tx, user, 'password-changed', session.id);
    });
    await this.deps.sessions.announceRevoked(revoked, 'password-changed');
    this.deps.outbox.kick();
  }

  /**
   * Sanctions and reinstatements. Moderators may act on users only; admins on anyone
   * but themselves. A blocking status ends every session and every token at once.
   */
  async setStatus(
    em: EntityManager,
    actor: Identity,
    userId: string,
    status: UserStatus,
    reason: string | null,
  ): Promise<User> {
    const user = await em.findOne(User, { id: userId });
    if (!user) throw notFound('User');
    if (user.id === actor.userId) throw forbidden('You cannot change your own status');
    if (actor.role !== 'ADMIN' && user.role !== 'USER') throw forbidden('Only admins can act on staff accounts');
    if (user.status === 'DELETED') throw badInput('Deleted accounts cannot change status', 'status');
    const from = user.status;
    if (from === status) return user;
    user.status = status;
    const blocking = BLOCKED_STATUSES.has(status);
    if (blocking) user.tokensValidAfter = new Date();
    const revoked = await em.transactional(async (tx) => {
      tx.persist(user);
      stageEvent(tx, 'user.status_changed', {
        userId: user.id,
        actorId: actor.userId,
        payload: { from, to: status, reason },
      });
      return blocking ? this.deps.sessions.revokeAll(tx, user, `status-${status.toLowerCase()}`) : [];
    });
    if (blocking) {
      const reason = `status-${status.toLowerCase()}`;
      await this.deps.revocations.cutOffUser(user.id, user.tokensValidAfter!, reason);
      await this.deps.sessions.announceRevoked(revoked, reason);
    }
    this.deps.outbox.kick();
    return user;
  }
}
