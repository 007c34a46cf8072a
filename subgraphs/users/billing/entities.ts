import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Plan } from '../../../platform/plans.js';

/** A user's Stripe customer: created once, on their first checkout, and reused after. */
@Entity({ tableName: 'billing_customers' })
export class BillingCustomer {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 255, unique: 'billing_customers_stripe_id_unique' })
  stripeCustomerId!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}

/** A Stripe subscription as last read from Stripe (webhooks keep it current). */
@Entity({ tableName: 'billing_subscriptions' })
export class BillingSubscription {
  @PrimaryKey({ type: 'string', length: 255 })
  id!: string;

  @Property({ type: 'uuid' })
  @Index({ name: 'billing_subscriptions_user_id_index' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  plan!: Plan;

  /** Stripe's status: active, trialing, past_due, canceled, unpaid, incomplete, … */
  @Property({ type: 'string', length: 32 })
  status!: string;

  @Property({ type: 'datetime', nullable: true })
  currentPeriodEnd?: Date | null;

  @Property({ type: 'boolean', default: false })
  cancelAtPeriodEnd: Opt<boolean> = false;

  @Property({ type: 'integer' })
  monthlyAmountCents!: number;

  @Property({ type: 'string', length: 3 })
  currency!: string;

  /**
   * As of when this state was read from Stripe: a read older than this (a slow, reordered
   * delivery) never overwrites it.
   */
  @Property({ type: 'datetime' })
  syncedAt!: Date;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}

/** Stripe events already applied, written in the same transaction as their effect. */
@Entity({ tableName: 'billing_webhook_events' })
export class BillingWebhookEvent {
  @PrimaryKey({ type: 'string', length: 255 })
  eventId!: string;

  @Property({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'datetime' })
  processedAt: Opt<Date> = new Date();
}

/**
 * A Stripe customer to delete because its user erased their account: written in the erasure's
 * transaction, removed once Stripe confirms (or answers that the customer is gone), retried with
 * backoff by the erasure sweeper until then.
 */
@Entity({ tableName: 'billing_customer_deletions' })
export class BillingCustomerDeletion {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 255 })
  stripeCustomerId!: string;

  @Property({ type: 'datetime' })
  requestedAt: Opt<Date> = new Date();

  /** Failed attempts so far. */
  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  /** Due from this time; an attempt in progress pushes it ahead (a lease against other replicas). */
  @Property({ type: 'datetime' })
  @Index({ name: 'billing_customer_deletions_next_attempt_at_index' })
  nextAttemptAt!: Date;

  /** Why the last attempt failed (Stripe's message). */
  @Property({ type: 'string', length: 255, nullable: true })
  lastError?: string | null;
}

export const billingEntities = [BillingCustomer, BillingSubscription, BillingWebhookEvent, BillingCustomerDeletion];
