import { Migration } from '@mikro-orm/migrations';

/**
 * History (partitioned by day; partitions are created on demand by the ingest and dropped
 * by retention), rollups maintained with every batch, and the outbox for tracked events.
 */
export class Migration20261130170000_initial extends Migration {
  override name = 'Migration20261130170000_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "analytics_events" ("id" uuid not null, "type" varchar(64) not null, "user_id" uuid not null, "actor_id" uuid null, "occurred_at" timestamptz not null, "received_at" timestamptz not null default now(), "properties" jsonb not null default '{}', primary key ("occurred_at", "id")) partition by range ("occurred_at");`);
    this.addSql(`create table "analytics_events_default" partition of "analytics_events" default;`);

    this.addSql(`create table "analytics_hourly" ("hour" timestamptz not null, "type" varchar(64) not null, "events" bigint not null, primary key ("hour", "type"));`);
    this.addSql(`create table "analytics_daily" ("day" date not null, "type" varchar(64) not null, "events" bigint not null, primary key ("day", "type"));`);
    this.addSql(`create table "analytics_user_daily" ("day" date not null, "user_id" uuid not null, "type" varchar(64) not null, "events" bigint not null, "tokens" bigint not null default 0, "first_at" timestamptz not null, "last_at" timestamptz not null, primary key ("day", "user_id", "type"));`);
    this.addSql(`create index "analytics_user_daily_user_idx" on "analytics_user_daily" ("user_id", "type", "day");`);
    this.addSql(`create index "analytics_user_daily_type_idx" on "analytics_user_daily" ("type", "day", "user_id");`);
    this.addSql(`create table "analytics_daily_users" ("day" date not null, "user_id" uuid not null, "events" bigint not null, primary key ("day", "user_id"));`);
    this.addSql(`create index "analytics_daily_users_user_idx" on "analytics_daily_users" ("user_id", "day");`);
    this.addSql(`create table "analytics_users" ("user_id" uuid not null, "registered_at" timestamptz null, "first_seen_at" timestamptz not null, primary key ("user_id"));`);
    this.addSql(`create table "analytics_sessions" ("session_id" uuid not null, "user_id" uuid not null, "started_at" timestamptz null, "ended_at" timestamptz null, primary key ("session_id"));`);
    this.addSql(`create index "analytics_sessions_user_idx" on "analytics_sessions" ("user_id", "started_at");`);
    this.addSql(`create table "analytics_subscriptions" ("subscription_id" varchar(128) not null, "user_id" uuid not null, "plan" varchar(16) null, "previous_plan" varchar(16) null, "monthly_amount_cents" bigint null, "currency" varchar(3) null, "started_at" timestamptz null, "cancelled_at" timestamptz null, primary key ("subscription_id"));`);
    this.addSql(`create table "analytics_revenue_daily" ("day" date not null, "plan" varchar(16) not null, "currency" varchar(3) not null, "amount_cents" bigint not null, "payments" bigint not null, primary key ("day", "plan", "currency"));`);

    this.addSql(`create table "outbox" ("id" uuid not null, "event_id" uuid not null, "topic" varchar(128) not null, "key" varchar(128) not null, "event" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, primary key ("id"));`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("created_at") where "published_at" is null;`);
  }
}
