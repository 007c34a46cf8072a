import type { EntityManager } from '@mikro-orm/core';
import Stripe from 'stripe';
import { Counter, type Registry } from 'prom-client';
import type { RequestScope } from '../../../platform/context.js';
import { appError, badInput, ErrorCode, forbidden, unavailable } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { pageSize, type Page } from '../../../platform/pagination.js';
import type { PaidPlan, Plan } from '../../../platform/plans.js';
import type { User } from '../entities/user.js';
import { BillingCustomer, BillingSubscription } from './entities.js';
import type { BillingSettings } from './settings.js';

/** Stripe statuses in which the subscription still grants its plan (past_due: Stripe is retrying). */
export const LIVE_STATUSES = new Set(['active', 'trialing', 'past_due']);

export interface Invoice {
  id: string;
  number: string | null;
  status: string | null;
  amountDue: number;
  amountPaid: number;
  currency: string;
  createdAt: Date;
  periodStart: Date | null;
  periodEnd: Date | null;
  hostedInvoiceUrl: string | null;
}

/** What the GDPR export includes about billing (see exportBillingData). */
export interface BillingExport {
  customerId: string | null;
  subscriptions: {
    id: string;
    plan: Plan;
    status: string;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
    createdAt: string;
  }[];
  invoices: (Omit<Invoice, 'createdAt' | 'periodStart' | 'periodEnd'> & {
    createdAt: string;
    periodStart: string | null;
    periodEnd: string | null;
  })[];
}

export interface BillingMetrics {
  webhooksReceived: Counter<'type'>;
  webhooksFailed: Counter<'reason'>;
  webhooksDuplicate: Counter<'type'>;
  checkoutSessions: Counter<'plan'>;
  customerDeletionsFailed: Counter;
}

export function createBillingMetrics(registry: Registry): BillingMetrics {
  return {
    webhooksReceived: new Counter({
      name: 'billing_webhooks_received_total',
      help: 'Stripe webhook deliveries with a valid signature, by event type',
      labelNames: ['type'],
      registers: [registry],
    }),
    webhooksFailed: new Counter({
      name: 'billing_webhooks_failed_total',
      help: 'Stripe webhook deliveries refused or failed (signature, throttled, processing)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    webhooksDuplicate: new Counter({
      name: 'billing_webhooks_duplicate_total',
      help: 'Stripe webhook deliveries of an event already applied (answered 200, nothing changed)',
      labelNames: ['type'],
      registers: [registry],
    }),
    checkoutSessions: new Counter({
      name: 'billing_checkout_sessions_created_total',
      help: 'Stripe Checkout sessions created, by plan',
      labelNames: ['plan'],
      registers: [registry],
    }),
    customerDeletionsFailed: new Counter({
      name: 'billing_customer_deletions_failed_total',
      help: "Failed attempts to delete an erased user's Stripe customer (each is retried with backoff)",
      registers: [registry],
    }),
  };
}

export function createStripeClient(settings: BillingSettings): Stripe {
  return new Stripe(settings.apiKey, {
    ...(settings.api ?? {}),
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'nexusai-graph' },
  });
}

const toDate = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

function invoiceView(invoice: Stripe.Invoice): Invoice {
  return {
    id: invoice.id!,
    number: invoice.number ?? null,
    status: invoice.status ?? null,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    currency: invoice.currency,
    createdAt: new Date(invoice.created * 1000),
    periodStart: toDate(invoice.period_start),
    periodEnd: toDate(invoice.period_end),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
  };
}

const INVOICE_CURSOR = /^in_\w{1,200}$/;

/**
 * Billing with Stripe: Checkout in subscription mode, the customer portal, cancelling at
 * period end, the user's subscription and invoices. One Stripe customer per user, made on
 * the first checkout (user id in its metadata) and reused. Webhooks (billing-webhooks.ts)
 * are what change a user's plan.
 */
export class BillingService {
  constructor(
    private readonly deps: {
      settings: BillingSettings | null;
      stripe: Stripe | null;
      orm: Orm;
      logger: Logger;
      metrics: BillingMetrics;
    },
  ) {}

  get enabled(): boolean {
    return this.deps.settings !== null;
  }

  private configured(): { settings: BillingSettings; stripe: Stripe } {
    const { settings, stripe } = this.deps;
    if (!settings || !stripe) {
      throw appError(ErrorCode.BILLING_DISABLED, 'Billing is not configured on this deployment');
    }
    return { settings, stripe };
  }

  /** A redirect URL on one of BILLING_REDIRECT_ORIGINS, or BAD_USER_INPUT naming the field. */
  private redirect(value: string, field: string): string {
    const { settings } = this.configured();
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw badInput(`${field} is not a URL`, field, 'INVALID_URL');
    }
    if (!settings.redirectOrigins.has(url.origin)) {
      throw badInput(`${field} must be on an allowed origin`, field, 'REDIRECT_NOT_ALLOWED');
    }
    return url.toString();
  }

  /** Stripe refused or was unreachable: logged with the detail, shown as retryable. */
  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.deps.logger.error({ err: error, what }, 'Stripe request failed');
      throw unavailable('The payment provider is unavailable; try again shortly');
    }
  }

  async customerIdOf(em: EntityManager, userId: string): Promise<string | null> {
    const known = await em.findOne(BillingCustomer, { userId });
    return known?.stripeCustomerId ?? null;
  }

  /** The user's one Stripe customer; created with an idempotency key so that racing requests make one. */
  private async customerFor(em: EntityManager, user: User): Promise<string> {
    const known = await this.customerIdOf(em, user.id);
    if (known) return known;
    const { stripe } = this.configured();
    const customer = await this.call('customers.create', () =>
      stripe.customers.create(
        { email: user.email, name: user.displayName, metadata: { user_id: user.id } },
        { idempotencyKey: `nexus-customer-${user.id}` },
      ),
    );
    await em
      .getConnection()
      .execute(
        `insert into "billing_customers" ("user_id", "stripe_customer_id", "created_at") values (?, ?, ?) on conflict ("user_id") do nothing`,
        [user.id, customer.id, new Date()],
      );
    return (await em.fork().findOneOrFail(BillingCustomer, { userId: user.id })).stripeCustomerId;
  }

  /** The subscription that grants the user's plan now, else their most recent one. */
  async currentSubscription(em: EntityManager, userId: string): Promise<BillingSubscription | null> {
    const rows = await em.find(BillingSubscription, { userId }, { orderBy: { createdAt: 'desc' } });
    return rows.find((row) => LIVE_STATUSES.has(row.status)) ?? rows[0] ?? null;
  }

  async createCheckoutSession(
    scope: RequestScope,
    user: User,
    plan: Plan,
    successUrl: string,
    cancelUrl: string,
  ): Promise<{ id: string; url: string; expiresAt: Date }> {
    const { settings, stripe } = this.configured();
    if (plan === 'FREE') throw badInput('FREE needs no checkout', 'plan', 'NOT_A_PAID_PLAN');
    const success = this.redirect(successUrl, 'successUrl');
    const cancel = this.redirect(cancelUrl, 'cancelUrl');
    const current = await this.currentSubscription(scope.em, user.id);
    if (current && LIVE_STATUSES.has(current.status)) {
      throw badInput('Already subscribed: change plan in the billing portal', 'plan', 'ALREADY_SUBSCRIBED');
    }
    const customer = await this.customerFor(scope.em, user);
    const metadata = { user_id: user.id, plan };
    const session = await this.call('checkout.sessions.create', () =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        customer,
        client_reference_id: user.id,
        line_items: [{ price: settings.prices[plan as PaidPlan], quantity: 1 }],
        success_url: success,
        cancel_url: cancel,
        metadata,
        subscription_data: { metadata },
      }),
    );
    this.deps.metrics.checkoutSessions.inc({ plan });
    return { id: session.id, url: session.url!, expiresAt: new Date(session.expires_at * 1000) };
  }

  async createPortalSession(scope: RequestScope, user: User, returnUrl: string): Promise<{ url: string }> {
    const { stripe } = this.configured();
    const back = this.redirect(returnUrl, 'returnUrl');
    const customer = await this.customerFor(scope.em, user);
    const session = await this.call('billing_portal.sessions.create', () =>
      stripe.billingPortal.sessions.create({ customer, return_url: back }),
    );
    return { url: session.url };
  }

  /** Cancels at the end of the paid period: the plan stays until then (the webhook ends it). */
  async cancelSubscription(scope: RequestScope, user: User): Promise<BillingSubscription> {
    const { stripe } = this.configured();
    const current = await this.currentSubscription(scope.em, user.id);
    if (!current || !LIVE_STATUSES.has(current.status)) {
      throw badInput('There is no subscription to cancel', 'subscription', 'NO_SUBSCRIPTION');
    }
    const readAt = new Date();
    const updated = await this.call('subscriptions.update', () =>
      stripe.subscriptions.update(current.id, { cancel_at_period_end: true }),
    );
    // Only newer than what a webhook may have stored meanwhile.
    await scope.em.nativeUpdate(
      BillingSubscription,
      { id: current.id, syncedAt: { $lt: readAt } },
      { cancelAtPeriodEnd: updated.cancel_at_period_end, syncedAt: readAt },
    );
    return (await scope.em.fork().findOneOrFail(BillingSubscription, { id: current.id }))!;
  }

  /** The user's invoices, newest first, straight from Stripe; empty when billing is off or never used. */
  async invoices(
    scope: RequestScope,
    userId: string,
    first: number | null,
    after: string | null,
  ): Promise<Page<Invoice>> {
    if (scope.identity?.userId !== userId && scope.identity?.role !== 'ADMIN') {
      throw forbidden('Invoices are visible to their owner only');
    }
    const size = pageSize(first);
    if (after !== null && after !== undefined && !INVOICE_CURSOR.test(after))
      throw badInput('after is not a valid cursor', 'after');
    const empty: Page<Invoice> = { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    if (!this.enabled || size === 0) return empty;
    const customer = await this.customerIdOf(scope.em, userId);
    if (!customer) return empty;
    const { stripe } = this.configured();
    const list = await this.call('invoices.list', () =>
      stripe.invoices.list({ customer, limit: size, ...(after ? { starting_after: after } : {}) }),
    );
    const nodes = list.data.map(invoiceView);
    return {
      edges: nodes.map((node) => ({ cursor: node.id, node })),
      pageInfo: { hasNextPage: list.has_more, endCursor: nodes.at(-1)?.id ?? null },
    };
  }

  /**
   * GDPR export hook: the user's Stripe customer id, subscriptions and every invoice (all pages).
   * Works when billing is off too (then only what the database holds).
   */
  async exportBillingData(userId: string): Promise<BillingExport> {
    const em = this.deps.orm.em.fork();
    const customerId = await this.customerIdOf(em, userId);
    const rows = await em.find(BillingSubscription, { userId }, { orderBy: { createdAt: 'asc' } });
    const invoices: Invoice[] = [];
    if (customerId && this.deps.stripe) {
      const stripe = this.deps.stripe;
      await this.call('invoices.list (export)', async () => {
        for await (const invoice of stripe.invoices.list({ customer: customerId, limit: 100 })) {
          invoices.push(invoiceView(invoice));
        }
      });
    }
    const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
    return {
      customerId,
      subscriptions: rows.map((row) => ({
        id: row.id,
        plan: row.plan,
        status: row.status,
        currentPeriodEnd: iso(row.currentPeriodEnd),
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
        createdAt: row.createdAt.toISOString(),
      })),
      invoices: invoices.map((invoice) => ({
        ...invoice,
        createdAt: invoice.createdAt.toISOString(),
        periodStart: iso(invoice.periodStart),
        periodEnd: iso(invoice.periodEnd),
      })),
    };
  }
}
