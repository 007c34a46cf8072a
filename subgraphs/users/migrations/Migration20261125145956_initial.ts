import { Migration } from '@mikro-orm/migrations';

export class Migration20261125145956_initial extends Migration {

  override name = 'Migration20261125145956_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbox" ("id" uuid not null, "event_id" uuid not null, "topic" varchar(128) not null, "key" varchar(128) not null, "event" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, primary key ("id"));`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("created_at") where "published_at" is null;`);

    this.addSql(`create table "users" ("id" uuid not null, "email" varchar(254) not null, "display_name" varchar(64) not null, "password_hash" varchar(255) not null, "role" text not null default 'USER', "status" text not null default 'ACTIVE', "plan" text not null default 'FREE', "tokens_valid_after" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create unique index "users_email_unique" on "users" ("email");`);
    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('USER', 'MODERATOR', 'ANALYST', 'ADMIN'));`);
    this.addSql(`alter table "users" add constraint "users_status_check" check ("status" in ('ACTIVE', 'WARNED', 'SUSPENDED', 'BANNED', 'DELETED'));`);
    this.addSql(`alter table "users" add constraint "users_plan_check" check ("plan" in ('FREE', 'STANDARD', 'PREMIUM', 'VIP'));`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(32) null, primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null, "session_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on delete cascade;`);
  }

}
