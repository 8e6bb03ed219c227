import { z } from 'zod';
import { AppError } from './app-error';

/**
 * Keyset pagination for every list route: `limit` (default 50, at most 500) and an opaque `cursor`
 * that is the sort key of the last item of the previous page. Repositories fetch `limit + 1` rows
 * after that key (`where (sort columns) > (key)`), so a page costs the same however deep it is and
 * an item inserted meanwhile is neither skipped nor repeated.
 */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** The query members every list route takes (`...pageQuery` into its zod schema). */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  cursor: z.string().min(1).max(512).optional(),
};

/** A list's query when it takes nothing but the page (`limit`, `cursor`). */
export const pageQuerySchema = z.object(pageQuery);

export interface PageRequest {
  limit: number;
  /** The decoded cursor: the sort key (as text) of the last item already seen; null for the first page. */
  after: readonly string[] | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const CURSOR_VERSION = 'k1';

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, ...key]), 'utf8').toString('base64url');
}

function badCursor(): AppError {
  return new AppError('validation_failed', 'Invalid query: cursor (not a cursor this service gave out)', {
    errors: [{ path: 'cursor', message: 'pass back the next_cursor of the previous page unchanged' }],
  });
}

function decodeCursor(cursor: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed[0] !== CURSOR_VERSION || parsed.length < 2) throw badCursor();
  const key = parsed.slice(1);
  if (!key.every((part): part is string => typeof part === 'string')) throw badCursor();
  return key;
}

export function pageRequest(query: { limit: number; cursor?: string | undefined }): PageRequest {
  return { limit: query.limit, after: query.cursor === undefined ? null : decodeCursor(query.cursor) };
}

/**
 * The key parameters a repository binds: `arity` values, all null on the first page. A cursor of
 * another list (another key shape) is a 400 naming `cursor`.
 */
export function afterKey(page: PageRequest, arity: number): (string | null)[] {
  if (page.after === null) return new Array<null>(arity).fill(null);
  if (page.after.length !== arity) throw badCursor();
  return [...page.after];
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says that there is a next page,
 * whose cursor is the key of the last row kept.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  page: PageRequest,
  keyOf: (row: Row) => readonly string[],
  toItem: (row: Row) => Item,
): Page<Item> {
  const kept = rows.slice(0, page.limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(toItem),
    next_cursor: rows.length > page.limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** The same over a list already in memory and in key order (e.g. model files): items after the key. */
export function pageOfSorted<Item>(
  sorted: readonly Item[],
  page: PageRequest,
  keyOf: (item: Item) => readonly string[],
): Page<Item> {
  let start = 0;
  if (page.after !== null) {
    const after = JSON.stringify(page.after);
    const index = sorted.findIndex((item) => JSON.stringify(keyOf(item)) === after);
    if (index < 0) throw badCursor();
    start = index + 1;
  }
  return pageOf(sorted.slice(start, start + page.limit + 1), page, keyOf, (item) => item);
}
