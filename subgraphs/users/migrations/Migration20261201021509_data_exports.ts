import { Migration } from '@mikro-orm/migrations';

export class Migration20261201021509_data_exports extends Migration {

  override name = 'Migration20261201021509_data_exports';

  override up(): void | Promise<void> {
    this.addSql(`create table "data_exports" ("id" uuid not null, "user_id" uuid not null, "requested_at" timestamptz not null, "status" varchar(16) not null default 'PENDING', "ready_at" timestamptz null, "available_until" timestamptz null, "archive" text null, primary key ("id"));`);
    this.addSql(`create index "data_exports_user_idx" on "data_exports" ("user_id", "requested_at");`);

    this.addSql(`create table "data_export_parts" ("id" uuid not null, "export_id" uuid not null, "subgraph" varchar(16) not null, "reading_id" uuid not null, "chunk" int not null, "chunks" int not null, "data" text not null, primary key ("id"));`);
    this.addSql(`alter table "data_export_parts" add constraint "data_export_parts_chunk_unique" unique ("export_id", "subgraph", "chunk");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "data_exports" cascade;`);
    this.addSql(`drop table if exists "data_export_parts" cascade;`);
  }

}
