import { Migration } from '@mikro-orm/migrations';

export class Migration20261130194015_billing extends Migration {

  override name = 'Migration20261130194015_billing';

  override up(): void | Promise<void> {
    this.addSql(`create table "billing_customers" ("user_id" uuid not null, "stripe_customer_id" varchar(255) not null, "created_at" timestamptz not null, primary key ("user_id"));`);
    this.addSql(`alter table "billing_customers" add constraint "billing_customers_stripe_id_unique" unique ("stripe_customer_id");`);

    this.addSql(`create table "billing_subscriptions" ("id" varchar(255) not null, "user_id" uuid not null, "plan" varchar(16) not null, "status" varchar(32) not null, "current_period_end" timestamptz null, "cancel_at_period_end" boolean not null default false, "monthly_amount_cents" int not null, "currency" varchar(3) not null, "synced_at" timestamptz not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "billing_subscriptions_user_id_index" on "billing_subscriptions" ("user_id");`);

    this.addSql(`create table "billing_webhook_events" ("event_id" varchar(255) not null, "type" varchar(64) not null, "processed_at" timestamptz not null, primary key ("event_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "billing_customers" cascade;`);
    this.addSql(`drop table if exists "billing_subscriptions" cascade;`);
    this.addSql(`drop table if exists "billing_webhook_events" cascade;`);
  }

}
