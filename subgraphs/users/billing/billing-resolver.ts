import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { Page } from '../../../platform/pagination.js';
import type { Plan } from '../../../platform/plans.js';
import type { User } from '../entities/user.js';
import { PlanEnum, UserNode } from '../resolvers/types.js';
import type { UsersContext } from '../services/index.js';
import type { Invoice } from './billing-service.js';
import type { BillingSubscription } from './entities.js';
import {
  BillingPortalSessionNode,
  CheckoutSessionNode,
  InvoiceConnection,
  PlanSubscriptionNode,
  type SubscriptionStatus,
} from './types.js';

function view(row: BillingSubscription): PlanSubscriptionNode {
  return {
    id: row.id,
    plan: row.plan,
    status: row.status.toUpperCase() as SubscriptionStatus,
    currentPeriodEnd: row.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
  };
}

@Resolver(() => UserNode)
export class BillingResolver {
  @Authorized()
  @Mutation(() => CheckoutSessionNode, {
    description:
      'A Stripe Checkout page for a paid plan. The plan changes when Stripe confirms the payment (webhook). Redirect URLs must be on BILLING_REDIRECT_ORIGINS.',
  })
  async createCheckoutSession(
    @Arg('plan', () => PlanEnum) plan: Plan,
    @Arg('successUrl', () => String) successUrl: string,
    @Arg('cancelUrl', () => String) cancelUrl: string,
    @Ctx() ctx: UsersContext,
  ): Promise<CheckoutSessionNode> {
    const { user } = await ctx.services.sessions.requireLive(ctx);
    return ctx.services.billing.createCheckoutSession(ctx, user, plan, successUrl, cancelUrl);
  }

  @Authorized()
  @Mutation(() => BillingPortalSessionNode, { description: "Stripe's customer portal for the signed-in user." })
  async createBillingPortalSession(
    @Arg('returnUrl', () => String) returnUrl: string,
    @Ctx() ctx: UsersContext,
  ): Promise<BillingPortalSessionNode> {
    const { user } = await ctx.services.sessions.requireLive(ctx);
    return ctx.services.billing.createPortalSession(ctx, user, returnUrl);
  }

  @Authorized()
  @Mutation(() => PlanSubscriptionNode, {
    description: 'Cancels at the end of the paid period; the plan stays until then.',
  })
  async cancelSubscription(@Ctx() ctx: UsersContext): Promise<PlanSubscriptionNode> {
    const { user } = await ctx.services.sessions.requireLive(ctx);
    return view(await ctx.services.billing.cancelSubscription(ctx, user));
  }

  @FieldResolver(() => PlanSubscriptionNode, {
    nullable: true,
    description:
      'The subscription behind the plan (else the latest one): the user themselves and admins; null otherwise.',
  })
  async subscription(@Root() user: User, @Ctx() ctx: UsersContext): Promise<PlanSubscriptionNode | null> {
    const viewer = ctx.identity;
    if (!viewer || (viewer.userId !== user.id && viewer.role !== 'ADMIN')) return null;
    const row = await ctx.services.billing.currentSubscription(ctx.em, user.id);
    return row ? view(row) : null;
  }

  @FieldResolver(() => InvoiceConnection, {
    description: 'Their Stripe invoices, newest first: the user themselves and admins (FORBIDDEN otherwise).',
  })
  invoices(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: UsersContext,
  ): Promise<Page<Invoice>> {
    return ctx.services.billing.invoices(ctx, user.id, first, after);
  }
}
