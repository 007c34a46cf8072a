import { Migration } from '@mikro-orm/migrations';

export class Migration20261130194514_consents extends Migration {

  override name = 'Migration20261130194514_consents';

  override up(): void | Promise<void> {
    this.addSql(`create table "analytics_consents" ("user_id" uuid not null, "granted" boolean not null, "pseudonym" uuid not null, "erased" boolean not null default false, "updated_at" timestamptz not null, primary key ("user_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "analytics_consents" cascade;`);
  }

}
