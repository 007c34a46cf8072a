import { Migration } from '@mikro-orm/migrations';

export class Migration20261201020748_erased_authors extends Migration {

  override name = 'Migration20261201020748_erased_authors';

  override up(): void | Promise<void> {
    this.addSql(`create table "erased_authors" ("user_id" uuid not null, "erased_at" timestamptz not null, primary key ("user_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "erased_authors" cascade;`);
  }

}
