import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The rollups, maintained with every ingested batch (services/rollups.ts) so metric
 * queries never scan the raw history. Set-based SQL only; these describe the tables.
 */
@Entity({ tableName: 'analytics_hourly' })
export class HourlyCount {
  @PrimaryKey({ type: 'datetime' })
  hour!: Date;

  @PrimaryKey({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'bigint' })
  events!: string;
}

@Entity({ tableName: 'analytics_daily' })
export class DailyCount {
  @PrimaryKey({ type: 'date' })
  day!: string;

  @PrimaryKey({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'bigint' })
  events!: string;
}

/** Per user, day and type: counts, tokens, first and last time (funnels, sessions). */
@Entity({ tableName: 'analytics_user_daily' })
// (user, type, day): a user's figures, and each funnel step's probe for one user and type.
@Index({ name: 'analytics_user_daily_user_idx', properties: ['userId', 'type', 'day'] })
@Index({ name: 'analytics_user_daily_type_idx', properties: ['type', 'day', 'userId'] })
export class UserDailyCount {
  @PrimaryKey({ type: 'date' })
  day!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @PrimaryKey({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'bigint' })
  events!: string;

  @Property({ type: 'bigint', defaultRaw: '0' })
  tokens!: string;

  @Property({ type: 'datetime' })
  firstAt!: Date;

  @Property({ type: 'datetime' })
  lastAt!: Date;
}

/** Who was active on a day (DAU, MAU, top users, retention). */
@Entity({ tableName: 'analytics_daily_users' })
@Index({ name: 'analytics_daily_users_user_idx', properties: ['userId', 'day'] })
export class DailyActiveUser {
  @PrimaryKey({ type: 'date' })
  day!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'bigint' })
  events!: string;
}

/**
 * Per user and UTC month, the running total of their own events by day of the month
 * (`running[d]`: days 1 to d; 31 entries whatever the month's length). A window's count for a
 * user is two subscripts a month instead of a row a day: MAU, active users and top users read
 * one row per user and month rather than one per user and day.
 */
@Entity({ tableName: 'analytics_user_months' })
export class UserMonthlyRunningCount {
  @PrimaryKey({ type: 'date' })
  month!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ columnType: 'bigint[]' })
  running!: string[];
}

/**
 * Per user, type and UTC month, by day of the month (1-based, up to the last day with an
 * event): `lastAt[d]`, the last time of the type that day (null without one), and
 * `nextFirst[d]`, the first time on day d or the next day of the month that has one (so
 * `nextFirst[d]` is day d's first time when `lastAt[d]` is set). A funnel step reads one row
 * per user and month: "the first time at or after t" is two or three subscripts.
 */
@Entity({ tableName: 'analytics_user_type_months' })
export class UserTypeMonthTimes {
  @PrimaryKey({ type: 'string', length: 64 })
  type!: string;

  @PrimaryKey({ type: 'date' })
  month!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ columnType: 'timestamptz[]' })
  nextFirst!: string[];

  @Property({ columnType: 'timestamptz[]' })
  lastAt!: string[];
}

/** When each user registered and was first seen (retention cohorts). */
@Entity({ tableName: 'analytics_users' })
export class TrackedUser {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime', nullable: true })
  registeredAt?: Date | null;

  @Property({ type: 'datetime' })
  firstSeenAt!: Date;
}

/** Sign-in to sign-out, by session id. */
@Entity({ tableName: 'analytics_sessions' })
@Index({ name: 'analytics_sessions_user_idx', properties: ['userId', 'startedAt'] })
export class TrackedSession {
  @PrimaryKey({ type: 'uuid' })
  sessionId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  endedAt?: Date | null;
}

/** Subscriptions as billing reports them (conversion, MRR). */
@Entity({ tableName: 'analytics_subscriptions' })
export class TrackedSubscription {
  @PrimaryKey({ type: 'string', length: 128 })
  subscriptionId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16, nullable: true })
  plan?: string | null;

  @Property({ type: 'string', length: 16, nullable: true })
  previousPlan?: string | null;

  @Property({ type: 'bigint', nullable: true })
  monthlyAmountCents?: string | null;

  @Property({ type: 'string', length: 3, nullable: true })
  currency?: string | null;

  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  cancelledAt?: Date | null;
}

/** Completed payments per day, plan and currency. */
@Entity({ tableName: 'analytics_revenue_daily' })
export class DailyRevenue {
  @PrimaryKey({ type: 'date' })
  day!: string;

  @PrimaryKey({ type: 'string', length: 16 })
  plan!: string;

  @PrimaryKey({ type: 'string', length: 3 })
  currency!: string;

  @Property({ type: 'bigint' })
  amountCents!: string;

  @Property({ type: 'bigint' })
  payments!: string;
}
