import type { EventBus } from '../../../platform/events/event-bus.js';
import { answerExportRequests } from '../../../platform/events/export-parts.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { BillingCustomer, BillingSubscription } from '../billing/entities.js';
import { Session } from '../entities/session.js';
import { User } from '../entities/user.js';
import { exportRequests } from '../events.js';
import { ConsentRecord } from './consent-record.js';

/**
 * The users part of a data export (docs/privacy.md, "Export"): the profile, every session
 * (sign-ins, when and why they ended), the whole consent history and billing (the Stripe
 * customer id and subscriptions; payments themselves are kept by Stripe).
 */
export async function gatherUsersData(orm: Orm, userId: string) {
  const em = orm.em.fork();
  const user = await em.findOne(User, { id: userId });
  const sessions = await em.find(Session, { user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const consents = await em.find(ConsentRecord, { userId }, { orderBy: { recordedAt: 'asc', id: 'asc' } });
  const customer = await em.findOne(BillingCustomer, { userId });
  const subscriptions = await em.find(BillingSubscription, { userId }, { orderBy: { createdAt: 'asc' } });
  return {
    profile: user && {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      status: user.status,
      plan: user.plan,
      suspendedUntil: user.suspendedUntil ?? null,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    },
    sessions: sessions.map((session) => ({
      id: session.id,
      createdAt: session.createdAt,
      revokedAt: session.revokedAt ?? null,
      revokedReason: session.revokedReason ?? null,
    })),
    consents: consents.map((record) => ({
      purpose: record.purpose,
      granted: record.granted,
      policyVersion: record.policyVersion,
      recordedAt: record.recordedAt,
    })),
    billing: {
      stripeCustomerId: customer?.stripeCustomerId ?? null,
      subscriptions: subscriptions.map((subscription) => ({
        id: subscription.id,
        plan: subscription.plan,
        status: subscription.status,
        currentPeriodEnd: subscription.currentPeriodEnd ?? null,
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        monthlyAmountCents: subscription.monthlyAmountCents,
        currency: subscription.currency,
        createdAt: subscription.createdAt,
      })),
    },
  };
}

export async function startUsersExport(orm: Orm, bus: EventBus, logger: Logger) {
  const consumer = await answerExportRequests(bus, logger, exportRequests, 'users', (userId) =>
    gatherUsersData(orm, userId),
  );
  return () => consumer.close();
}
