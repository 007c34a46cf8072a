import { Migration } from '@mikro-orm/migrations';

export class Migration20261201020240_billing_customer_deletions extends Migration {

  override name = 'Migration20261201020240_billing_customer_deletions';

  override up(): void | Promise<void> {
    this.addSql(`create table "billing_customer_deletions" ("user_id" uuid not null, "stripe_customer_id" varchar(255) not null, "requested_at" timestamptz not null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" varchar(255) null, primary key ("user_id"));`);
    this.addSql(`create index "billing_customer_deletions_next_attempt_at_index" on "billing_customer_deletions" ("next_attempt_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "billing_customer_deletions" cascade;`);
  }

}
