import { ReferenceKind, type EntityManager } from '@mikro-orm/core';
import { boundSql } from '../../../platform/bound-sql.js';

/** Where new rows go: the unit of work (an EntityManager) or a batch's set-based inserts. */
export interface RowSink {
  persist(entity: object): unknown;
}

const INSERT_SQL = (table: string, columns: string) =>
  `insert into "${table}" (${columns}) select ${columns} from json_populate_recordset(null::"${table}", $1::json)`;

/**
 * New rows of one transaction, written with one `insert … select from json_populate_recordset`
 * per table instead of the unit of work: for thousands of rows the ORM's change sets cost far
 * more than the inserts. Each row is the entity the ORM would have flushed (its defaults, ids
 * and timestamps), its columns read from the ORM's metadata; the entities stay unmanaged.
 * A row may also be a plain object with the entity's properties (`add`): building an entity
 * defines an accessor per property on the instance, which for a case costs more than its insert.
 */
export class BatchRows implements RowSink {
  private readonly byClass = new Map<new () => object, object[]>();

  persist(entity: object): this {
    return this.add(entity.constructor as new () => object, entity);
  }

  /** A row of `type`'s table: an entity, or a plain object with every property the entity would have. */
  add<T extends object>(type: new () => T, row: T): this {
    const rows = this.byClass.get(type);
    if (rows) rows.push(row);
    else this.byClass.set(type, [row]);
    return this;
  }

  /** Inserts everything persisted so far, one statement per table, in the caller's transaction. */
  async insert(tx: EntityManager): Promise<void> {
    for (const [type, entities] of this.byClass) {
      const meta = tx.getMetadata().get(type);
      const props = meta.props.filter(
        (prop) => prop.kind === ReferenceKind.SCALAR && prop.persist !== false && prop.fieldNames?.length === 1,
      );
      const columns = props.map((prop) => `"${prop.fieldNames[0]}"`).join(', ');
      // Dates become ISO strings and JSON columns stay JSON; a JSON null is an SQL null.
      const rows = entities.map((entity) => {
        const values = entity as Record<string, unknown>;
        return Object.fromEntries(props.map((prop) => [prop.fieldNames[0], values[prop.name] ?? null]));
      });
      await boundSql(tx, INSERT_SQL(meta.tableName, columns), [JSON.stringify(rows)]);
    }
    this.byClass.clear();
  }
}
