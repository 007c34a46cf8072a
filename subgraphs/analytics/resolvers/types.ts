import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { enumOf } from '../../../platform/graphql-types.js';

export const CohortPeriodEnum = enumOf(['DAY', 'WEEK', 'MONTH'] as const);
export type CohortPeriod = keyof typeof CohortPeriodEnum;
registerEnumType(CohortPeriodEnum, { name: 'CohortPeriod', description: 'How retention cohorts are grouped (UTC).' });

/** The users subgraph's User, extended here with its metrics. */
@ObjectType('User')
@Directive('@key(fields: "id")')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType('TimeBucket', { description: 'Events in one hour or day (gap-filled: empty buckets count 0).' })
export class TimeBucketNode {
  @Field(() => Date, { description: 'Start of the bucket.' })
  start!: Date;

  @Field(() => Int)
  count!: number;
}

@ObjectType('EventCount')
export class EventCountNode {
  @Field(() => String)
  type!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('UserCount')
export class UserCountNode {
  @Field(() => UserRef)
  user!: UserRef;

  @Field(() => Int, { description: 'Events of the user in the window.' })
  count!: number;
}

@ObjectType('SessionDuration', {
  description: 'Sessions opened in the window: sign-in to sign-out, or to the last event that day without a sign-out.',
})
export class SessionDurationNode {
  @Field(() => Int)
  sessions!: number;

  @Field(() => Int)
  totalSeconds!: number;

  @Field(() => Float)
  averageSeconds!: number;
}

@ObjectType('UserMetrics')
export class UserMetricsNode {
  @Field(() => ID)
  userId!: string;

  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => Int)
  totalEvents!: number;

  @Field(() => [EventCountNode])
  eventsByType!: EventCountNode[];

  @Field(() => Int)
  messagesSent!: number;

  @Field(() => Int, { description: 'Prompt and completion tokens of the replies the user received.' })
  tokensUsed!: number;

  @Field(() => Float, { description: 'Messages sent over the UTC days the window touches.' })
  averageMessagesPerDay!: number;

  @Field(() => SessionDurationNode)
  sessionDuration!: SessionDurationNode;
}

@ObjectType('PlanRevenue')
export class PlanRevenueNode {
  @Field(() => String)
  plan!: string;

  @Field(() => Int, { description: 'Completed payments, in minor units (cents).' })
  amountCents!: number;

  @Field(() => Int)
  payments!: number;
}

@ObjectType('Revenue', { description: 'From payment.completed events; amounts in minor units (cents).' })
export class RevenueNode {
  @Field(() => Int)
  totalCents!: number;

  @Field(() => [PlanRevenueNode])
  byPlan!: PlanRevenueNode[];

  @Field(() => Int, { description: 'Monthly amounts of the subscriptions running at `to`.' })
  mrrCents!: number;

  @Field(() => Int, { description: 'Revenue in the window over users active in the window.' })
  arpuCents!: number;
}

@ObjectType('PlatformMetrics')
export class PlatformMetricsNode {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => Int, { description: 'Users active on the UTC day of the end of the window.' })
  dau!: number;

  @Field(() => Int, { description: 'Users active in the 30 UTC days ending with the end of the window.' })
  mau!: number;

  @Field(() => Int, { description: 'Users active in the window.' })
  activeUsers!: number;

  @Field(() => Int)
  totalEvents!: number;

  @Field(() => [EventCountNode])
  eventsByType!: EventCountNode[];

  @Field(() => [EventCountNode])
  topEvents!: EventCountNode[];

  @Field(() => [UserCountNode])
  topUsers!: UserCountNode[];

  @Field(() => Int, { description: 'Users who went from FREE to a paid plan in the window.' })
  conversions!: number;

  @Field(() => Float, { description: 'conversions over activeUsers.' })
  conversionRate!: number;

  @Field(() => RevenueNode)
  revenue!: RevenueNode;
}

@ObjectType('FunnelStep')
export class FunnelStepNode {
  @Field(() => String)
  type!: string;

  @Field(() => Int)
  users!: number;

  @Field(() => Float, { description: 'Users of this step over users of the previous one (1 for the first).' })
  conversion!: number;

  @Field(() => Float, { description: 'Users of this step over users of the first.' })
  overallConversion!: number;
}

@ObjectType('Funnel')
export class FunnelNode {
  @Field(() => [FunnelStepNode])
  steps!: FunnelStepNode[];

  @Field(() => Float, { description: 'Last step over first step.' })
  conversion!: number;
}

@ObjectType('Cohort')
export class CohortNode {
  @Field(() => Date)
  start!: Date;

  @Field(() => Int)
  size!: number;

  @Field(() => [Int], { description: 'Users of the cohort active in period 0, 1, … after it (up to now).' })
  retained!: number[];

  @Field(() => [Float])
  rates!: number[];
}

@ObjectType('RealtimeMetrics')
export class RealtimeMetricsNode {
  @Field(() => Int, { description: 'Distinct users with an event in the last 5 minutes.' })
  currentActiveUsers!: number;

  @Field(() => Float, { description: 'Events stored per second over the last 10 seconds.' })
  eventsPerSecond!: number;

  @Field(() => Int)
  todayEvents!: number;

  @Field(() => Int, { description: 'Approximate on Redis (HyperLogLog, ~0.8 %); exact in platformMetrics.' })
  todayActiveUsers!: number;
}

@InputType('TrackEventInput')
export class TrackEventInput {
  @Field(() => String, { description: '`area.action`, lower case (server event types are refused).' })
  type!: string;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'At most 4 KB of JSON.' })
  properties?: Record<string, unknown> | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When it happened: up to 5 minutes ahead, 7 days behind (default now).',
  })
  occurredAt?: Date | null;
}
