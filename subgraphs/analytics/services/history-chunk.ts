import type { Orm } from '../../../platform/orm.js';
import { insertHistoryLiterals } from './bulk-history.js';

/**
 * Rows for one bulk insert, kept as the six PostgreSQL array literals themselves: a bulk
 * load of millions of rows then builds no per-row arrays to map and join afterwards (half of
 * the generator's own CPU was those arrays and their garbage). Ids and types are written
 * bare (uuids and `area.action` need no quoting); only the JSON is quoted and escaped.
 */
export class HistoryChunk {
  private ids = '';
  private types = '';
  private userIds = '';
  private actorIds = '';
  private times = '';
  private properties = '';
  size = 0;

  /** `type`: lower case, digits, dots, underscores (an event type); `actorId` null: the system. */
  add(id: string, type: string, userId: string, actorId: string | null, time: number, properties: string): void {
    const comma = this.size === 0 ? '' : ',';
    this.ids += comma + id;
    this.types += comma + type;
    this.userIds += comma + userId;
    this.actorIds += comma + (actorId ?? 'NULL');
    this.times += comma + time;
    this.properties += `${comma}"${properties.replace(/[\\"]/g, '\\$&')}"`;
    this.size += 1;
  }

  async write(orm: Orm): Promise<void> {
    if (this.size === 0) return;
    const wrap = (list: string) => `{${list}}`;
    await insertHistoryLiterals(orm, [
      wrap(this.ids),
      wrap(this.types),
      wrap(this.userIds),
      wrap(this.actorIds),
      wrap(this.times),
      wrap(this.properties),
    ]);
  }
}
