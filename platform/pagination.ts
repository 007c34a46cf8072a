import { badInput } from './errors.js';

/** Relay-style pages over rows ordered by a UUID v7 id (creation order). */
export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

/** The id inside a cursor; a cursor this server did not make is BAD_USER_INPUT. */
export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('id:') ? decoded.slice(3) : '';
  if (!UUID.test(id)) throw badInput('after is not a valid cursor', 'after');
  return id;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

/** Builds a page from up to `size + 1` rows (the extra one only says there is more). */
export function toPage<T extends { id: string }>(rows: T[], size: number): Page<T> {
  const nodes = rows.slice(0, size);
  return {
    edges: nodes.map((node) => ({ cursor: encodeCursor(node.id), node })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: nodes.length ? encodeCursor(nodes.at(-1)!.id) : null },
  };
}
