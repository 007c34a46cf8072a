import { Migration } from '@mikro-orm/migrations';

export class Migration20261130160939_initial extends Migration {

  override name = 'Migration20261130160939_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_roles" ("user_id" uuid not null, "role" varchar(16) not null, "changed_at" timestamptz not null, primary key ("user_id"));`);

    this.addSql(`create table "case_events" ("id" uuid not null, "case_id" uuid not null, "kind" varchar(32) not null, "actor_id" uuid null, "detail" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "case_events_case_id_id_index" on "case_events" ("case_id", "id");`);

    this.addSql(`create table "content_reports" ("id" uuid not null, "case_id" uuid not null, "reporter_id" uuid not null, "reason" varchar(64) not null, "details" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "content_reports" add constraint "content_reports_case_id_reporter_id_unique" unique ("case_id", "reporter_id");`);

    this.addSql(`create table "moderation_evidence" ("id" uuid not null, "case_id" uuid not null, "content_type" varchar(16) not null, "content_id" varchar(128) not null, "author_id" uuid null, "content_text" text null, "content_ref" jsonb null, "reports" jsonb not null, "content_created_at" timestamptz not null, "reason" text null, "referred_by" uuid not null, "referred_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "moderation_evidence" add constraint "moderation_evidence_case_id_unique" unique ("case_id");`);

    this.addSql(`create table "moderation_cases" ("id" uuid not null, "content_type" text not null, "content_id" varchar(128) not null, "author_id" uuid null, "status" text not null, "priority" smallint not null default 1, "action" text null, "confidence" double precision null, "categories" jsonb not null, "provider" varchar(64) not null default 'none', "classifier_fallback" boolean not null default false, "source" varchar(16) not null, "report_count" int not null default 0, "content_text" text null, "content_ref" jsonb null, "conversation_id" uuid null, "reason" text null, "decided_by" uuid null, "decided_at" timestamptz null, "automatic" boolean not null default false, "suspend_until" timestamptz null, "first_decision" text null, "first_decided_at" timestamptz null, "claimed_by" uuid null, "claimed_until" timestamptz null, "rejected_by" uuid null, "appeal_reason" text null, "appealed_at" timestamptz null, "appeal_outcome" text null, "appeal_resolved_by" uuid null, "appeal_resolved_at" timestamptz null, "appeal_note" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "moderation_cases_queue_idx" on "moderation_cases" ("priority", "created_at", "id") where "status" in ('PENDING', 'ESCALATED', 'APPEALED');`);
    this.addSql(`create index "moderation_cases_status_priority_created_at_id_index" on "moderation_cases" ("status", "priority", "created_at", "id");`);
    this.addSql(`create index "moderation_cases_author_id_id_index" on "moderation_cases" ("author_id", "id");`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_content_type_content_id_unique" unique ("content_type", "content_id");`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_content_type_check" check ("content_type" in ('MESSAGE', 'COMPANION', 'USER_PROFILE', 'IMAGE', 'AUDIO', 'VIDEO'));`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_status_check" check ("status" in ('PENDING', 'APPROVED', 'REJECTED', 'ESCALATED', 'APPEALED'));`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_action_check" check ("action" in ('NONE', 'DELETE_CONTENT', 'WARN_USER', 'SUSPEND_USER', 'BAN_USER', 'REPORT_TO_AUTHORITIES'));`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_first_decision_check" check ("first_decision" in ('AUTO_APPROVE', 'AUTO_REJECT', 'HUMAN'));`);
    this.addSql(`alter table "moderation_cases" add constraint "moderation_cases_appeal_outcome_check" check ("appeal_outcome" in ('UPHELD', 'OVERTURNED'));`);

    this.addSql(`create table "moderator_notes" ("id" uuid not null, "case_id" uuid not null, "author_id" uuid not null, "text" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "moderator_notes_case_id_id_index" on "moderator_notes" ("case_id", "id");`);

    this.addSql(`create table "outbox" ("id" uuid not null, "event_id" uuid not null, "topic" varchar(128) not null, "key" varchar(128) not null, "event" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, primary key ("id"));`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("created_at") where "published_at" is null;`);

    this.addSql(`create table "processed_events" ("event_id" uuid not null, "processed_at" timestamptz not null, primary key ("event_id"));`);
  }

}
