import { LockMode, type EntityManager } from '@mikro-orm/core';
import Stripe from 'stripe';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { PLANS, type Plan } from '../../../platform/plans.js';
import { User } from '../entities/user.js';
import { LIVE_STATUSES, type BillingMetrics } from './billing-service.js';
import { BillingCustomer, BillingSubscription } from './entities.js';
import type { BillingSettings } from './settings.js';

export const HANDLED_EVENTS = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
]);

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/** What a subscription costs per month, in the currency's minor unit. */
function monthlyAmount(item: Stripe.SubscriptionItem): number {
  const amount = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
  const recurring = item.price.recurring;
  const months = recurring?.interval === 'year' ? 12 : recurring?.interval === 'month' ? 1 : 1;
  return Math.round(amount / (months * (recurring?.interval_count ?? 1)));
}

/**
 * Applies verified Stripe events. Each event is applied once (its id stored in the same
 * transaction as its effect); subscriptions are re-read from Stripe, so an event delivered
 * late or out of order applies the current state, and a read older than the stored one
 * changes nothing. The plan a user holds follows their live subscription.
 */
export class BillingWebhooks {
  constructor(
    private readonly deps: {
      settings: BillingSettings;
      stripe: Stripe;
      orm: Orm;
      outbox: OutboxRelay;
      logger: Logger;
      metrics: BillingMetrics;
    },
  ) {}

  async apply(event: Stripe.Event): Promise<WebhookOutcome> {
    const { orm, metrics } = this.deps;
    const em = orm.em.fork();
    const seen = await em
      .getConnection()
      .execute<{ n: number }[]>('select 1 as n from "billing_webhook_events" where "event_id" = ?', [event.id]);
    if (seen.length > 0) {
      metrics.webhooksDuplicate.inc({ type: event.type });
      return 'duplicate';
    }
    const subscriptionId = this.subscriptionIdOf(event);
    const readAt = new Date();
    const subscription = subscriptionId ? await this.readSubscription(subscriptionId, event) : null;

    const outcome = await em.transactional(async (tx) => {
      const inserted = await tx.getConnection().execute<{ event_id: string }[]>(
        `insert into "billing_webhook_events" ("event_id", "type", "processed_at") values (?, ?, ?)
           on conflict ("event_id") do nothing returning "event_id"`,
        [event.id, event.type, new Date()],
        'all',
        tx.getTransactionContext(),
      );
      if (inserted.length === 0) return 'duplicate' as const;
      if (!HANDLED_EVENTS.has(event.type)) return 'ignored' as const;
      const userId = await this.userOf(tx, event, subscription);
      if (!userId) {
        this.deps.logger.warn({ eventId: event.id, type: event.type }, 'Stripe event for an unknown customer ignored');
        return 'ignored' as const;
      }
      if (subscription) await this.sync(tx, userId, subscription, readAt);
      if (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed') {
        await this.stagePayment(tx, userId, event.data.object, event.type === 'invoice.paid');
      }
      return 'applied' as const;
    });
    if (outcome === 'duplicate') metrics.webhooksDuplicate.inc({ type: event.type });
    if (outcome === 'applied') this.deps.outbox.kick();
    return outcome;
  }

  private subscriptionIdOf(event: Stripe.Event): string | null {
    switch (event.type) {
      case 'checkout.session.completed':
        return idOf(event.data.object.subscription);
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
        return event.data.object.id;
      case 'invoice.paid':
      case 'invoice.payment_failed':
        return idOf(event.data.object.parent?.subscription_details?.subscription);
      default:
        return null;
    }
  }

  /** The subscription as Stripe has it now; the event's copy only when Stripe no longer knows it. */
  private async readSubscription(id: string, event: Stripe.Event): Promise<Stripe.Subscription | null> {
    try {
      return await this.deps.stripe.subscriptions.retrieve(id);
    } catch (error) {
      const gone = error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
      if (!gone) throw error; // 500: Stripe delivers the event again later
      const object = event.data.object as { object?: string };
      return object.object === 'subscription' ? (object as Stripe.Subscription) : null;
    }
  }

  /** The user an event is about: by the stored customer, else the user id Checkout carried in metadata. */
  private async userOf(
    tx: EntityManager,
    event: Stripe.Event,
    subscription: Stripe.Subscription | null,
  ): Promise<string | null> {
    const object = event.data.object as { customer?: string | { id: string } | null };
    const customerId = idOf(object.customer) ?? idOf(subscription?.customer);
    if (customerId) {
      const known = await tx.findOne(BillingCustomer, { stripeCustomerId: customerId });
      if (known) return known.userId;
    }
    const hinted =
      subscription?.metadata?.user_id ??
      (event.type === 'checkout.session.completed' ? event.data.object.client_reference_id : null);
    if (!hinted || !/^[0-9a-f-]{36}$/i.test(hinted)) return null;
    return (await tx.findOne(User, { id: hinted })) ? hinted : null;
  }

  /** Stores the subscription as read at `readAt` (unless a newer read is stored) and sets the user's plan. */
  private async sync(tx: EntityManager, userId: string, subscription: Stripe.Subscription, readAt: Date) {
    const item = subscription.items.data[0];
    const plan = item ? this.deps.settings.planOfPrice.get(item.price.id) : undefined;
    if (!item || !plan) {
      this.deps.logger.warn({ subscriptionId: subscription.id }, 'subscription on a price of no plan ignored');
      return;
    }
    const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) return;
    let row = await tx.findOne(BillingSubscription, { id: subscription.id });
    if (row && row.syncedAt.getTime() > readAt.getTime()) return;
    const wasLive = row ? LIVE_STATUSES.has(row.status) : false;
    const isLive = LIVE_STATUSES.has(subscription.status);
    row ??= tx.create(BillingSubscription, {
      id: subscription.id,
      userId,
      plan,
      status: subscription.status,
      monthlyAmountCents: 0,
      currency: '',
      syncedAt: readAt,
    });
    Object.assign(row, {
      plan,
      status: subscription.status,
      currentPeriodEnd: item.current_period_end ? new Date(item.current_period_end * 1000) : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      monthlyAmountCents: monthlyAmount(item),
      currency: item.price.currency.toUpperCase(),
      syncedAt: readAt,
    });
    if (!wasLive && isLive) {
      stageEvent(tx, 'subscription.created', {
        userId,
        actorId: userId,
        payload: {
          subscriptionId: subscription.id,
          plan,
          previousPlan: user.plan,
          monthlyAmountCents: row.monthlyAmountCents,
          currency: row.currency,
        },
      });
    }
    if (wasLive && !isLive) {
      stageEvent(tx, 'subscription.cancelled', {
        userId,
        actorId: userId,
        payload: { subscriptionId: subscription.id, plan, reason: subscription.cancellation_details?.reason ?? null },
      });
    }
    await tx.flush();
    const live = await tx.find(BillingSubscription, { userId, status: { $in: [...LIVE_STATUSES] } });
    const next = live.reduce<Plan>(
      (best, sub) => (PLANS.indexOf(sub.plan) > PLANS.indexOf(best) ? sub.plan : best),
      'FREE',
    );
    if (next !== user.plan) {
      const from = user.plan;
      user.plan = next;
      stageEvent(tx, 'user.plan_changed', {
        userId,
        actorId: null,
        payload: { from, to: next, subscriptionId: subscription.id },
      });
    }
  }

  private async stagePayment(tx: EntityManager, userId: string, invoice: Stripe.Invoice, paid: boolean) {
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
    const row = subscriptionId ? await tx.findOne(BillingSubscription, { id: subscriptionId }) : null;
    const user = await tx.findOneOrFail(User, { id: userId });
    const common = {
      paymentId: invoice.id!,
      subscriptionId,
      plan: row?.plan ?? user.plan,
      currency: invoice.currency.toUpperCase(),
    };
    if (paid) {
      stageEvent(tx, 'payment.completed', {
        userId,
        actorId: userId,
        payload: { ...common, amountCents: invoice.amount_paid },
      });
    } else {
      stageEvent(tx, 'payment.failed', {
        userId,
        actorId: userId,
        payload: {
          ...common,
          amountCents: invoice.amount_due,
          reason: invoice.last_finalization_error?.message ?? 'payment_failed',
        },
      });
    }
  }
}
