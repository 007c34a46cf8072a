import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Role, UserStatus } from '../../../platform/auth/identity.js';
import type { PasswordHasher } from '../../../platform/auth/password.js';
import type { RequestScope } from '../../../platform/context.js';
import { badInput, forbidden, notFound, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { User } from '../entities/user.js';
import type { PrivacyServices } from '../privacy/index.js';
import type { RegistrationConsents } from '../privacy/consent-service.js';
import { accountBlocked, type IssuedTokens, type SessionService } from './session-service.js';
import type { StatusChanges } from './status-changes.js';
import type { SuspensionSweeper } from './suspension-sweeper.js';
import { normalizeEmail, validateDisplayName, validatePassword } from './validation.js';

export interface RegisterInput extends RegistrationConsents {
  email: string;
  password: string;
  displayName: string;
}

const emailTaken = () => badInput('An account with this email already exists', 'email', 'EMAIL_TAKEN');
const wrongCredentials = () => unauthenticated('Invalid email or password');

/** A display name is content: moderation classifies it like a message (contentId = user id). */
function postProfile(tx: EntityManager, user: User): void {
  stageEvent(tx, 'content.posted', {
    userId: user.id,
    actorId: user.id,
    payload: { kind: 'USER_PROFILE', contentId: user.id, conversationId: null, text: user.displayName },
  });
}

/** Accounts: registration, login, profile, password and status. */
export class AccountService {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private decoyHash: Promise<string>;

  constructor(
    private readonly deps: {
      passwords: PasswordHasher;
      sessions: SessionService;
      statuses: StatusChanges;
      suspensions: SuspensionSweeper;
      outbox: OutboxRelay;
      privacy: PrivacyServices;
    },
  ) {
    this.decoyHash = deps.passwords.hash('decoy-password-never-matches-0');
  }

  async register({ em }: RequestScope, input: RegisterInput, role: Role = 'USER'): Promise<IssuedTokens> {
    const email = normalizeEmail(input.email);
    const displayName = validateDisplayName(input.displayName);
    validatePassword(input.password, email);
    if (await em.count(User, { email })) throw emailTaken();
    const passwordHash = await this.deps.passwords.hash(input.password);
    try {
      const issued = await em.transactional(async (tx) => {
        const user = tx.create(User, { email, displayName, passwordHash, role });
        const analyticsConsent = this.deps.privacy.consents.recordAtRegistration(tx, user.id, input);
        stageEvent(tx, 'user.registered', {
          userId: user.id,
          actorId: user.id,
          payload: { role: user.role, plan: user.plan, status: user.status, analyticsConsent },
        });
        postProfile(tx, user);
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

  /**
   * A suspended or banned user still signs in, to a restricted session (see
   * docs/sanctions.md); a suspension whose end has passed is lifted first. Deleted
   * accounts are refused.
   */
  async login({ em }: RequestScope, rawEmail: string, password: string): Promise<IssuedTokens> {
    const email = rawEmail.trim().toLowerCase();
    const found = await em.findOne(User, { email }, { populate: ['passwordHash'] });
    const matches = await this.deps.passwords.verify(password, found?.passwordHash ?? (await this.decoyHash));
    if (found && !matches) await this.deps.privacy.audit.noteSignInFailure(found.id);
    if (!found || !matches) throw wrongCredentials();
    if (found.status === 'DELETED') throw accountBlocked(found.status);
    const user = await this.deps.suspensions.liftIfDue(em, found);
    const issued = await em.transactional(async (tx) => {
      const tokens = await this.deps.sessions.open(tx, user);
      stageEvent(tx, 'user.login', { userId: user.id, actorId: user.id, payload: { sessionId: tokens.sessionId } });
      return tokens;
    });
    this.deps.outbox.kick();
    return issued;
  }

  async updateProfile(scope: RequestScope, input: { displayName?: string | null }): Promise<User> {
    const { em } = scope;
    const { user } = await this.deps.sessions.requireLive(scope);
    const fields: string[] = [];
    if (input.displayName !== undefined && input.displayName !== null) {
      user.displayName = validateDisplayName(input.displayName);
      user.removedDisplayName = null;
      fields.push('displayName');
    }
    if (fields.length === 0) throw badInput('Nothing to update');
    await em.transactional(async (tx) => {
      tx.persist(user);
      stageEvent(tx, 'user.profile_updated', { userId: user.id, actorId: user.id, payload: { fields } });
      postProfile(tx, user);
    });
    this.deps.outbox.kick();
    return user;
  }

  /** Changes the password and ends every other session of the account. */
  async changePassword(scope: RequestScope, current: string, next: string): Promise<void> {
    const { em } = scope;
    const { user, session } = await this.deps.sessions.requireLive(scope);
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
   * Sanctions and reinstatements by hand. Moderators may act on users only; admins on
   * anyone but themselves. A blocking status ends every session and every token at once.
   */
  async setStatus({ em, identity }: RequestScope, userId: string, status: UserStatus, reason: string | null) {
    if (!identity) throw unauthenticated();
    const user = await em.findOne(User, { id: userId });
    if (!user) throw notFound('User');
    if (user.id === identity.userId) throw forbidden('You cannot change your own status');
    if (identity.role !== 'ADMIN' && user.role !== 'USER') throw forbidden('Only admins can act on staff accounts');
    if (user.status === 'DELETED') throw badInput('Deleted accounts cannot change status', 'status');
    if (user.status === status) return user;
    const enforcement = await em.transactional((tx) =>
      this.deps.statuses.stage(tx, user, { to: status, actorId: identity.userId, reason }),
    );
    await this.deps.statuses.enforce(enforcement);
    return user;
  }
}
