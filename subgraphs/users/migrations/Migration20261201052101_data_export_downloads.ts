import { Migration } from '@mikro-orm/migrations';

export class Migration20261201052101_data_export_downloads extends Migration {

  override name = 'Migration20261201052101_data_export_downloads';

  override up(): void | Promise<void> {
    this.addSql(`alter table "data_exports" add "downloads" int not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "data_exports" drop column "downloads";`);
  }

}
