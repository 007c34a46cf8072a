import { Migration } from '@mikro-orm/migrations';

export class Migration20261201015220_message_quota extends Migration {

  override name = 'Migration20261201015220_message_quota';

  override up(): void | Promise<void> {
    this.addSql(`create table "message_quota_usage" ("user_id" uuid not null, "day" timestamptz not null, "used" int not null, primary key ("user_id", "day"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "message_quota_usage" cascade;`);
  }

}
