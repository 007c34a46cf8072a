import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, enumOf } from '../../../platform/graphql-types.js';
import type { Plan } from '../../../platform/plans.js';
import { PlanEnum } from '../resolvers/types.js';

export const SUBSCRIPTION_STATUSES = [
  'ACTIVE',
  'TRIALING',
  'PAST_DUE',
  'CANCELED',
  'UNPAID',
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'PAUSED',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
export const SubscriptionStatusEnum = enumOf(SUBSCRIPTION_STATUSES);
registerEnumType(SubscriptionStatusEnum, {
  name: 'SubscriptionStatus',
  description: "Stripe's subscription status. ACTIVE, TRIALING and PAST_DUE (payment being retried) grant the plan.",
});

@ObjectType('PlanSubscription', { description: 'A paid plan bought through Stripe.' })
export class PlanSubscriptionNode {
  @Field(() => ID)
  id!: string;

  @Field(() => PlanEnum)
  plan!: Plan;

  @Field(() => SubscriptionStatusEnum)
  status!: SubscriptionStatus;

  @Field(() => Date, { nullable: true, description: 'End of the paid period: renewal, or the end when cancelled.' })
  currentPeriodEnd!: Date | null;

  @Field(() => Boolean, { description: 'True once cancelled: the plan stays until currentPeriodEnd.' })
  cancelAtPeriodEnd!: boolean;
}

@ObjectType('CheckoutSession', { description: 'A Stripe Checkout page: send the user to `url`.' })
export class CheckoutSessionNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => Date)
  expiresAt!: Date;
}

@ObjectType('BillingPortalSession', {
  description: "Stripe's customer portal: plan changes, payment methods, invoices.",
})
export class BillingPortalSessionNode {
  @Field(() => String)
  url!: string;
}

@ObjectType('Invoice', { description: 'A Stripe invoice of the user. Amounts in the minor unit (cents).' })
export class InvoiceNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  number!: string | null;

  @Field(() => String, { nullable: true, description: 'draft, open, paid, uncollectible or void.' })
  status!: string | null;

  @Field(() => Int)
  amountDue!: number;

  @Field(() => Int)
  amountPaid!: number;

  @Field(() => String, { description: 'ISO 4217, lower case as Stripe gives it.' })
  currency!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  periodStart!: Date | null;

  @Field(() => Date, { nullable: true })
  periodEnd!: Date | null;

  @Field(() => String, { nullable: true, description: 'Where the user views or pays it.' })
  hostedInvoiceUrl!: string | null;
}

export const InvoiceConnection = connectionType('Invoice', InvoiceNode);
