import { Migration } from '@mikro-orm/migrations';

export class Migration20261130160314_reply_progress extends Migration {

  override name = 'Migration20261130160314_reply_progress';

  override up(): void | Promise<void> {
    this.addSql(`alter table "messages" add "progress_at" timestamptz null;`);
    this.addSql(`create index "messages_status_progress_at_index" on "messages" ("status", "progress_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "messages_status_progress_at_index";`);
    this.addSql(`alter table "messages" drop column "progress_at";`);
  }

}
