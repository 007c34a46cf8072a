import { Migration } from '@mikro-orm/migrations';

export class Migration20261130164659_moderation_enforcement extends Migration {

  override name = 'Migration20261130164659_moderation_enforcement';

  override up(): void | Promise<void> {
    this.addSql(`create table "applied_moderation_events" ("event_id" uuid not null, "applied_at" timestamptz not null, primary key ("event_id"));`);

    this.addSql(`alter table "companions" add "blocked_at" timestamptz null, add "moderated_at" timestamptz null;`);

    this.addSql(`alter table "messages" add "status_before_block" varchar(16) null, add "moderated_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "applied_moderation_events" cascade;`);

    this.addSql(`alter table "companions" drop column "blocked_at", drop column "moderated_at";`);

    this.addSql(`alter table "messages" drop column "status_before_block", drop column "moderated_at";`);
  }

}
