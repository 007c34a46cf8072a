import type { EntityManager } from '@mikro-orm/core';
import type { RequestScope } from '../../../platform/context.js';
import { badInput } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { SessionService } from '../services/session-service.js';
import { CONSENT_PURPOSES, ConsentRecord, type ConsentPurpose } from './consent-record.js';

export interface RegistrationConsents {
  /** The terms and privacy policy version the user accepted (default: the one in force). */
  acceptedPolicyVersion?: string | null;
  /** Purposes granted at sign-up; the others are recorded as refused (opt-in). */
  consents?: ConsentPurpose[] | null;
}

export interface CurrentConsent {
  purpose: ConsentPurpose;
  granted: boolean;
  policyVersion: string | null;
  recordedAt: Date | null;
}

const VERSION = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Consents (docs/privacy.md): an append-only history per user; the newest record per purpose
 * is the current choice. Changes go out as `user.consent_changed`.
 */
export class ConsentService {
  constructor(private readonly deps: { sessions: SessionService; outbox: OutboxRelay; policyVersion: string }) {}

  get policyVersion(): string {
    return this.deps.policyVersion;
  }

  /** Inside the registration transaction; returns whether ANALYTICS was granted. */
  recordAtRegistration(tx: EntityManager, userId: string, input: RegistrationConsents): boolean {
    const version = input.acceptedPolicyVersion ?? this.deps.policyVersion;
    if (version !== this.deps.policyVersion) {
      throw badInput(
        `The policy in force is version ${this.deps.policyVersion}`,
        'input.acceptedPolicyVersion',
        'POLICY_OUTDATED',
      );
    }
    const granted = new Set(input.consents ?? []);
    tx.persist(tx.create(ConsentRecord, { userId, purpose: 'TERMS', granted: true, policyVersion: version }));
    for (const purpose of CONSENT_PURPOSES) {
      tx.persist(tx.create(ConsentRecord, { userId, purpose, granted: granted.has(purpose), policyVersion: version }));
    }
    return granted.has('ANALYTICS');
  }

  async set(scope: RequestScope, purpose: ConsentPurpose, granted: boolean, policyVersion: string) {
    if (!VERSION.test(policyVersion)) {
      throw badInput('policyVersion must be 1 to 32 letters, digits, dots, dashes or underscores', 'policyVersion');
    }
    const { user } = await this.deps.sessions.requireLive(scope);
    await scope.em.transactional(async (tx) => {
      tx.persist(tx.create(ConsentRecord, { userId: user.id, purpose, granted, policyVersion }));
      stageEvent(tx, 'user.consent_changed', {
        userId: user.id,
        actorId: user.id,
        payload: { purpose, granted, policyVersion },
      });
    });
    this.deps.outbox.kick();
    return this.current(scope.em, user.id);
  }

  /** One entry per purpose: the newest record (refused when none exists). */
  async current(em: EntityManager, userId: string): Promise<CurrentConsent[]> {
    const history = await this.history(em, userId);
    return CONSENT_PURPOSES.map((purpose) => {
      const latest = history.find((record) => record.purpose === purpose);
      return {
        purpose,
        granted: latest?.granted ?? false,
        policyVersion: latest?.policyVersion ?? null,
        recordedAt: latest?.recordedAt ?? null,
      };
    });
  }

  /** Newest first, the accepted terms included. */
  history(em: EntityManager, userId: string): Promise<ConsentRecord[]> {
    return em.find(ConsentRecord, { userId }, { orderBy: { recordedAt: 'desc', id: 'desc' } });
  }
}
