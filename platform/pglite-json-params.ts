import { types } from '@electric-sql/pglite';

/**
 * PGlite's serialisers for `json` and `jsonb` parameters, sending the text as UTF-8 bytes in
 * the binary format instead of as a string. PGlite measures a string parameter's UTF-8 length
 * with a loop over its characters, twice, before encoding it: for the half megabyte of JSON a
 * batch insert binds (json_populate_recordset), that loop cost more CPU than the insert's JSON
 * parsing in the database. The binary format of `json` is the text itself; `jsonb`'s is a
 * version byte (1) and the text. Objects are serialised as PGlite does (bigints as strings).
 */
const jsonText = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));

const JSONB_VERSION = Buffer.from([1]);

/**
 * PGlite's types say a serialiser returns a string; at run time it binds any byte view it is
 * given as is, in the binary format (its bind step checks for one before measuring strings).
 */
const asParam = (bytes: Buffer) => bytes as unknown as string;

export const jsonParamSerializers: Record<number, (value: unknown) => string> = {
  [types.JSON]: (value) => asParam(Buffer.from(jsonText(value), 'utf8')),
  [types.JSONB]: (value) => asParam(Buffer.concat([JSONB_VERSION, Buffer.from(jsonText(value), 'utf8')])),
};
