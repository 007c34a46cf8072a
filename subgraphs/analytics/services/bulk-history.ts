import type { Orm } from '../../../platform/orm.js';
import { boundRows } from './sql.js';

/** Elements PostgreSQL's array input reads as they are (uuids, times, event types): no quoting needed. */
const BARE_ELEMENT = /^[\w.:+-]+$/;

/**
 * A PostgreSQL array literal (null → NULL); one text parameter works on both drivers. Only
 * elements that need it are quoted and escaped: uuids and times, most of an ingest batch,
 * go as they are, which spares a regex pass per element here and unquoting on the server.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  const element = (value: string | number | null) => {
    if (value === null) return 'NULL';
    if (typeof value === 'number') return String(value);
    if (BARE_ELEMENT.test(value) && (value.length !== 4 || value.toUpperCase() !== 'NULL')) return value;
    return `"${value.replace(/[\\"]/g, '\\$&')}"`;
  };
  return `{${values.map(element).join(',')}}`;
}

/**
 * A PostgreSQL array literal of values written as they are (null → NULL), for columns whose
 * every value is already known to need no quoting: the ingest's ids, user ids, times and type
 * names, which the event contracts checked (uuids, ISO times, `area.action` names: letters,
 * digits and `-:._`, never the word null). Looking at each element again was a tenth of the
 * ingest's own CPU (profile of a drain).
 */
export function bareArrayLiteral(values: readonly (string | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    text += values[i] ?? 'NULL';
  }
  return text + '}';
}

/**
 * JSON texts as one parameter, one a line, for `string_to_array($n, E'\n')`: JSON.stringify
 * never writes a raw line break, and no element needs quoting or escaping as in an array literal.
 */
export function jsonLines(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join('\n');
}

/**
 * Appends rows to the history with one unnest insert of six array literals (ids, types, user
 * ids, actor ids, epoch milliseconds, JSON texts), no rollups: the caller rebuilds them in SQL
 * afterwards. For bulk loads of fresh ids: duplicates are not looked for.
 */
export async function insertHistoryLiterals(orm: Orm, literals: readonly string[]): Promise<void> {
  await boundRows(
    orm,
    `insert into "analytics_events" ("id", "type", "user_id", "actor_id", "occurred_at", "properties")
       select i, t, u, a, to_timestamp(ms / 1000.0), p::json
       from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::float8[], $6::text[]) as r(i, t, u, a, ms, p)`,
    [...literals],
  );
}
