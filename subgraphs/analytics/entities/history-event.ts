import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The raw history, append-only and partitioned by day: partitions are created on demand by
 * the ingest and dropped whole by retention (services/history.ts). Written and read with
 * set-based SQL only; the entity describes the table for the migrations.
 */
@Entity({
  tableName: 'analytics_events',
  // Day partitions are added at run time; the default one stays empty (the ingest creates a
  // day's partition before writing to it) and only keeps a stray row from failing the batch.
  partitionBy: {
    type: 'range',
    expression: 'occurred_at',
    partitions: [{ name: 'analytics_events_default', values: 'default' }],
  },
})
export class HistoryEvent {
  @PrimaryKey({ type: 'datetime' })
  occurredAt!: Date;

  /** The event's id: with occurred_at, the key that makes a redelivered event a no-op. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  /** Who caused it: the user for their own actions, null for the system (a renewal, a sanction). */
  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  receivedAt!: Opt<Date>;

  /**
   * `json`, not `jsonb`: kept as the text it arrived as, checked but not converted. Building
   * jsonb was ~2 µs an event of the ingest's statement, and the history's properties are read
   * only by the rebuild (a few keys of a few types) and the data export.
   */
  @Property({ type: 'json', columnType: 'json', defaultRaw: `'{}'` })
  properties!: Opt<Record<string, unknown>>;
}
