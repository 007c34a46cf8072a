import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154221_initial extends Migration {

  override name = 'Migration20261125154221_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_statuses" ("user_id" uuid not null, "status" varchar(16) not null, "changed_at" timestamptz not null, primary key ("user_id"));`);

    this.addSql(`create table "companions" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(64) not null, "description" text not null, "personality" jsonb not null, "visibility" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "companions_public_idx" on "companions" ("id") where "visibility" = 'PUBLIC' and "deleted_at" is null;`);
    this.addSql(`create index "companions_owner_id_id_index" on "companions" ("owner_id", "id");`);
    this.addSql(`alter table "companions" add constraint "companions_visibility_check" check ("visibility" in ('PRIVATE', 'PUBLIC'));`);

    this.addSql(`create table "conversations" ("id" uuid not null, "user_id" uuid not null, "companion_id" uuid not null, "title" varchar(120) null, "created_at" timestamptz not null, "last_message_at" timestamptz null, "active_reply_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "conversations_user_id_id_index" on "conversations" ("user_id", "id");`);

    this.addSql(`create table "messages" ("id" uuid not null, "conversation_id" uuid not null, "role" text not null, "content" text not null, "status" text not null, "finish_reason" varchar(32) null, "prompt_tokens" int null, "completion_tokens" int null, "created_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "messages_conversation_id_id_index" on "messages" ("conversation_id", "id");`);
    this.addSql(`alter table "messages" add constraint "messages_role_check" check ("role" in ('USER', 'ASSISTANT', 'SYSTEM'));`);
    this.addSql(`alter table "messages" add constraint "messages_status_check" check ("status" in ('STREAMING', 'COMPLETE', 'CANCELLED', 'FAILED', 'BLOCKED'));`);

    this.addSql(`create table "outbox" ("id" uuid not null, "event_id" uuid not null, "topic" varchar(128) not null, "key" varchar(128) not null, "event" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, primary key ("id"));`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("created_at") where "published_at" is null;`);

    this.addSql(`alter table "conversations" add constraint "conversations_companion_id_foreign" foreign key ("companion_id") references "companions" ("id");`);

    this.addSql(`alter table "messages" add constraint "messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id");`);
  }

}
