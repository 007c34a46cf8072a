import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';

export const AUDIT_CATEGORIES = ['STAFF_ACTION', 'SECURITY'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/**
 * One line of the audit log (docs/audit-log.md). Append-only: the code has no update or
 * delete path, and on PostgreSQL a trigger refuses UPDATE and DELETE on the table.
 */
// Append-only at the database too: any UPDATE, DELETE or TRUNCATE raises (declared here so the
// migration check knows the trigger belongs to the schema). The TRUNCATE trigger lives in the
// migration only: schema introspection does not see statement triggers.
const REFUSE = "raise exception 'audit_log is append-only (% refused)', tg_op;";
@Entity({
  tableName: 'audit_log',
  triggers: [
    {
      name: 'audit_log_no_update_delete',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: REFUSE,
    },
  ],
})
@Index({ name: 'audit_log_subject_idx', properties: ['subjectId', 'id'] })
export class AuditEntry {
  /** UUID v7: time-ordered, so it is also the pagination cursor. */
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'datetime' })
  occurredAt: Opt<Date> = new Date();

  @Property({ type: 'string', length: 16 })
  category!: AuditCategory;

  /** What happened, `area.action` (e.g. user.status_changed, auth.sign_in_failures). */
  @Property({ type: 'string', length: 64 })
  action!: string;

  /** Who did it (null: the system or an anonymous caller). */
  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  /** The account it concerns. */
  @Property({ type: 'uuid', nullable: true })
  subjectId?: string | null;

  /** Facts about the action; never personal data (no emails, names, texts). */
  @Property({ type: 'json' })
  details: Opt<Record<string, unknown>> = {};

  /** The event it was recorded from: a redelivered event appends nothing. */
  @Property({ type: 'uuid', nullable: true })
  @Unique({ name: 'audit_log_source_event_unique' })
  sourceEventId?: string | null;
}
