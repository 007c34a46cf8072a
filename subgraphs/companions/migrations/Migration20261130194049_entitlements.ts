import { Migration } from '@mikro-orm/migrations';

export class Migration20261130194049_entitlements extends Migration {

  override name = 'Migration20261130194049_entitlements';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_plans" ("user_id" uuid not null, "plan" varchar(16) not null, "changed_at" timestamptz not null, primary key ("user_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "account_plans" cascade;`);
  }

}
