import { Migration } from '@mikro-orm/migrations';

export class Migration20261130193849_privacy extends Migration {

  override name = 'Migration20261130193849_privacy';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_log" ("id" uuid not null, "occurred_at" timestamptz not null, "category" varchar(16) not null, "action" varchar(64) not null, "actor_id" uuid null, "subject_id" uuid null, "details" jsonb not null, "source_event_id" uuid null, primary key ("id"));`);
    this.addSql(`alter table "audit_log" add constraint "audit_log_source_event_unique" unique ("source_event_id");`);
    this.addSql(`create index "audit_log_subject_idx" on "audit_log" ("subject_id", "id");`);
    // Append-only in the database itself: whoever holds the connection cannot rewrite history.

    this.addSql(`create table "consent_records" ("id" uuid not null, "user_id" uuid not null, "purpose" varchar(16) not null, "granted" boolean not null, "policy_version" varchar(32) not null, "recorded_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "consent_records_user_idx" on "consent_records" ("user_id", "recorded_at");`);

    this.addSql(`create table "erasure_requests" ("user_id" uuid not null, "requested_at" timestamptz not null, "confirmations" jsonb not null, "completed_at" timestamptz null, "hard_delete_after" timestamptz not null, "hard_deleted_at" timestamptz null, primary key ("user_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_log" cascade;`);
    this.addSql(`drop table if exists "consent_records" cascade;`);
    this.addSql(`drop table if exists "erasure_requests" cascade;`);
  }

}
