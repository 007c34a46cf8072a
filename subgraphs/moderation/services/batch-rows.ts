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
      const { table, columns, fields } = tableOf(tx, type);
      // Dates become ISO strings here (a Date left to JSON.stringify takes it off its fast path,
      // tripling its time) and JSON columns stay JSON. A null or absent value is left out of its
      // row: json_populate_recordset reads a missing key as SQL null, and a case row is mostly
      // nulls, so its JSON (built here, then sent and parsed by the database) halves.
      const rows = entities.map((entity) => {
        const values = entity as Record<string, unknown>;
        const row: Record<string, unknown> = {};
        for (const [name, field] of fields) {
          const value = values[name];
          if (value instanceof Date) row[field] = value.toISOString();
          else if (value !== null && value !== undefined) row[field] = value;
        }
        return row;
      });
      await boundSql(tx, INSERT_SQL(table, columns), [JSON.stringify(rows)]);
    }
    this.byClass.clear();
  }
}

interface Table {
  table: string;
  columns: string;
  /** Property name → column name, for every column the insert writes. */
  fields: [string, string][];
}

const tables = new WeakMap<object, Table>();

/** The insert's columns of `type`, read once from the ORM's metadata. */
function tableOf(tx: EntityManager, type: new () => object): Table {
  let table = tables.get(type);
  if (!table) {
    const meta = tx.getMetadata().get(type);
    const props = meta.props.filter(
      (prop) => prop.kind === ReferenceKind.SCALAR && prop.persist !== false && prop.fieldNames?.length === 1,
    );
    table = {
      table: meta.tableName,
      columns: props.map((prop) => `"${prop.fieldNames[0]}"`).join(', '),
      fields: props.map((prop) => [prop.name, prop.fieldNames[0]!]),
    };
    tables.set(type, table);
  }
  return table;
}
