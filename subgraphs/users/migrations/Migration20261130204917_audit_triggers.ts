import { Migration } from '@mikro-orm/migrations';

export class Migration20261130204917_audit_triggers extends Migration {

  override name = 'Migration20261130204917_audit_triggers';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "audit_log_audit_log_no_update_delete_fn"() returns trigger as \$\$ begin raise exception 'audit_log is append-only (% refused)', tg_op; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_log_no_update_delete" BEFORE UPDATE OR DELETE on "audit_log" for each ROW execute function "audit_log_audit_log_no_update_delete_fn"();`);
    this.addSql(`create or replace function "audit_log_audit_log_no_truncate_fn"() returns trigger as \$\$ begin raise exception 'audit_log is append-only (% refused)', tg_op; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_log_no_truncate" BEFORE TRUNCATE on "audit_log" for each STATEMENT execute function "audit_log_audit_log_no_truncate_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "audit_log_no_update_delete" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_audit_log_no_update_delete_fn"();`);
    this.addSql(`drop trigger if exists "audit_log_no_truncate" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_audit_log_no_truncate_fn"();`);
  }

}
