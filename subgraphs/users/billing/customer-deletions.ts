import { LockMode, type EntityManager } from '@mikro-orm/core';
import Stripe from 'stripe';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { ErasureHook } from '../privacy/erasure-service.js';
import type { BillingMetrics } from './billing-service.js';
import { BillingCustomer, BillingCustomerDeletion } from './entities.js';

/** Deletions tried per run; the sweeper runs again a second later. */
const BATCH = 20;
/** An attempt in progress keeps its row this long (the SDK's own retries and timeouts fit well inside). */
const LEASE_MS = 120_000;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10 * 60_000;

/** After `attempts` failures: 0.5 s, 1 s, 2 s, … up to 10 minutes. */
export function deletionBackoffMs(attempts: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/**
 * The billing part of an erasure: the user's Stripe customer is deleted (Stripe cancels its
 * subscriptions at once; payment records stay with Stripe). The deletion is recorded in the
 * erasure's own transaction, so neither a Stripe outage nor a crash loses it, and tried from the
 * erasure sweeper until Stripe confirms; "no such customer" counts as done.
 */
export class CustomerDeletions implements ErasureHook {
  constructor(private readonly deps: { orm: Orm; stripe: Stripe; logger: Logger; metrics: BillingMetrics }) {}

  async stage(tx: EntityManager, userId: string): Promise<void> {
    const customer = await tx.findOne(BillingCustomer, { userId });
    if (!customer) return; // never went to checkout: nothing at Stripe
    if (await tx.findOne(BillingCustomerDeletion, { userId })) return;
    tx.persist(
      tx.create(BillingCustomerDeletion, {
        userId,
        stripeCustomerId: customer.stripeCustomerId,
        nextAttemptAt: new Date(),
      }),
    );
  }

  /** Tries the deletions that are due; returns how many were completed. */
  async runPending(now = new Date()): Promise<number> {
    const due = await this.claim(now);
    let done = 0;
    for (const deletion of due) {
      try {
        await this.deps.stripe.customers.del(deletion.stripeCustomerId);
      } catch (error) {
        if (!isMissingCustomer(error)) {
          await this.failed(deletion, error);
          continue;
        }
      }
      await this.completed(deletion);
      done++;
    }
    return done;
  }

  /** Due rows, leased so that another replica's sweeper skips them while this one calls Stripe. */
  private claim(now: Date): Promise<BillingCustomerDeletion[]> {
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const due = await tx.find(
        BillingCustomerDeletion,
        { nextAttemptAt: { $lte: now } },
        { orderBy: { nextAttemptAt: 'asc' }, limit: BATCH, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
      );
      for (const deletion of due) deletion.nextAttemptAt = new Date(now.getTime() + LEASE_MS);
      return due;
    });
  }

  private async completed(deletion: BillingCustomerDeletion): Promise<void> {
    await this.deps.orm.em.fork().transactional(async (tx) => {
      await tx.nativeDelete(BillingCustomer, { userId: deletion.userId, stripeCustomerId: deletion.stripeCustomerId });
      await tx.nativeDelete(BillingCustomerDeletion, { userId: deletion.userId });
    });
  }

  private async failed(deletion: BillingCustomerDeletion, error: unknown): Promise<void> {
    const attempts = deletion.attempts + 1;
    const retryInMs = deletionBackoffMs(attempts);
    this.deps.metrics.customerDeletionsFailed.inc();
    this.deps.logger.warn(
      { err: error, userId: deletion.userId, attempts, retryInMs },
      'Stripe customer not deleted; retrying',
    );
    await this.deps.orm.em.fork().nativeUpdate(
      BillingCustomerDeletion,
      { userId: deletion.userId },
      {
        attempts,
        nextAttemptAt: new Date(Date.now() + retryInMs),
        lastError: (error instanceof Error ? error.message : String(error)).slice(0, 255),
      },
    );
  }
}

function isMissingCustomer(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}
