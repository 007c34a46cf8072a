import type { Orm } from '../../../platform/orm.js';

const DAY_MS = 86_400_000;

/** `2026-11-30` for the UTC day of a time. */
export function utcDay(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

const partitionName = (day: string) => `analytics_events_p${day.replaceAll('-', '')}`;

/**
 * The raw history's day partitions: created on demand before a batch lands in them, and
 * dropped whole once older than the retention (no row-by-row deletes, no vacuum debt).
 */
export class History {
  private readonly known = new Set<string>();

  constructor(
    private readonly orm: Orm,
    private readonly retentionDays: number,
  ) {}

  /** The oldest instant still kept: events before it are not stored (nor counted). */
  horizon(now = Date.now()): number {
    return Date.parse(`${utcDay(now - this.retentionDays * DAY_MS)}T00:00:00Z`);
  }

  async ensurePartitions(days: Iterable<string>): Promise<void> {
    const db = this.orm.em.fork().getConnection();
    for (const day of days) {
      if (this.known.has(day)) continue;
      const next = utcDay(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
      try {
        await db.execute(
          `create table if not exists "${partitionName(day)}" partition of "analytics_events"
           for values from ('${day}T00:00:00Z') to ('${next}T00:00:00Z')`,
        );
      } catch (error) {
        // Another replica created it between our check and create: that is what we wanted.
        if (!/already exists|duplicate key value/.test(String((error as Error).message))) throw error;
      }
      this.known.add(day);
    }
  }

  /** Drops the partitions wholly older than the retention; returns their days. */
  async applyRetention(now = Date.now()): Promise<string[]> {
    const oldest = utcDay(this.horizon(now));
    const db = this.orm.em.fork().getConnection();
    const rows = await db.execute<{ name: string }[]>(
      `select c.relname as "name" from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = '"analytics_events"'::regclass`,
    );
    const dropped: string[] = [];
    for (const { name } of rows) {
      const match = /^analytics_events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!match) continue;
      const day = `${match[1]}-${match[2]}-${match[3]}`;
      if (day >= oldest) continue;
      await db.execute(`drop table if exists "${name}"`);
      this.known.delete(day);
      dropped.push(day);
    }
    return dropped;
  }
}
