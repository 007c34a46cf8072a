import { Migration } from '@mikro-orm/migrations';

export class Migration20261130165210 extends Migration {

  override name = 'Migration20261130165210';

  override up(): void | Promise<void> {
    this.addSql(`create table "processed_decisions" ("event_id" uuid not null, "processed_at" timestamptz not null, primary key ("event_id"));`);

    this.addSql(`alter table "users" add "suspended_until" timestamptz null, add "status_changed_at" timestamptz null, add "sanction_case_id" uuid null, add "removed_display_name" varchar(64) null;`);
    this.addSql(`create index "users_suspended_until_index" on "users" ("suspended_until") where "status" = 'SUSPENDED';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "processed_decisions" cascade;`);

    this.addSql(`drop index "users_suspended_until_index";`);
    this.addSql(`alter table "users" drop column "suspended_until", drop column "status_changed_at", drop column "sanction_case_id", drop column "removed_display_name";`);
  }

}
