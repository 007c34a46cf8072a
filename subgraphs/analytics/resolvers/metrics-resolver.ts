import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { AnalyticsContext } from '../services/index.js';
import type { UserCountRow } from '../services/query-service.js';
import {
  CohortNode,
  CohortPeriodEnum,
  EventCountNode,
  FunnelNode,
  PlatformMetricsNode,
  RealtimeMetricsNode,
  TimeBucketNode,
  UserCountNode,
  UserMetricsNode,
  UserRef,
  type CohortPeriod,
} from './types.js';

const withUsers = (rows: UserCountRow[]) => rows.map((row) => ({ user: { id: row.userId }, count: row.count }));

@Resolver()
export class MetricsResolver {
  @Query(() => UserMetricsNode, { description: "One user's activity: the user themselves, analysts and admins." })
  userMetrics(
    @Arg('userId', () => ID) userId: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.userMetrics(ctx, userId, from, to);
  }

  @Query(() => PlatformMetricsNode, {
    description: 'Analysts and admins. Window [from, to): default the last 30 days.',
  })
  async platformMetrics(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    const metrics = await ctx.services.queries.platformMetrics(ctx, from, to);
    return { ...metrics, topUsers: withUsers(metrics.topUsers) };
  }

  @Query(() => [TimeBucketNode], { description: 'The last `hours` UTC hours, this one included.' })
  eventsByHour(
    @Arg('type', () => String, { nullable: true }) type: string | null,
    @Arg('hours', () => Int, { defaultValue: 24 }) hours: number,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.eventsByHour(ctx, type, hours);
  }

  @Query(() => [TimeBucketNode], { description: 'The last `days` days (of `timeZone`, default UTC), today included.' })
  eventsByDay(
    @Arg('type', () => String, { nullable: true }) type: string | null,
    @Arg('days', () => Int, { defaultValue: 30 }) days: number,
    @Arg('timeZone', () => String, { nullable: true }) timeZone: string | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.eventsByDay(ctx, type, days, timeZone);
  }

  @Query(() => [EventCountNode])
  topEvents(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.topEvents(ctx, from, to, limit);
  }

  @Query(() => [UserCountNode])
  async topUsers(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return withUsers(await ctx.services.queries.topUsers(ctx, from, to, limit));
  }

  @Query(() => FunnelNode, { description: 'Users who did the steps in order, within `windowHours` of the first.' })
  conversionFunnel(
    @Arg('steps', () => [String]) steps: string[],
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('windowHours', () => Int, { defaultValue: 24 }) windowHours: number,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.conversionFunnel(ctx, steps, from, to, windowHours);
  }

  @Query(() => [CohortNode], { description: 'Registration cohorts of the last `periods` periods and who came back.' })
  retention(
    @Arg('cohort', () => CohortPeriodEnum) cohort: CohortPeriod,
    @Arg('periods', () => Int, { defaultValue: 8 }) periods: number,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.retention(ctx, cohort, periods);
  }

  @Query(() => [Int], {
    description: 'Analysts and admins: seconds each realtime key has left (-2: absent), keys without the prefix.',
  })
  realtimeKeyTtls(@Arg('keys', () => [String]) keys: string[], @Ctx() ctx: AnalyticsContext) {
    return ctx.services.queries.keyTtls(ctx, ctx.services.realtime, keys);
  }

  @Query(() => RealtimeMetricsNode, { description: 'Analysts and admins: the realtime counters.' })
  realtimeMetrics(@Ctx() ctx: AnalyticsContext) {
    return ctx.services.queries.realtime(ctx, ctx.services.realtime);
  }
}

@Resolver(() => UserRef)
export class UserMetricsResolver {
  @FieldResolver(() => UserMetricsNode, {
    nullable: true,
    description: 'Their activity: the user themselves, analysts and admins.',
  })
  metrics(
    @Root() user: UserRef,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.queries.userMetrics(ctx, user.id, from, to);
  }
}
