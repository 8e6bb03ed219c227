import type { Request } from 'express';
import type { z } from 'zod';
import { formatFieldPath } from '../shared/field-path';
import { AppError } from './app-error';

/**
 * Parses untrusted input with a zod schema; on failure, a validation_failed problem listing
 * every offending field path. Shape errors (types, unknown fields, ranges) are 400; rules that
 * need the database (unknown references) are raised by services as 422.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  where = 'body',
  code: 'validation_failed' | 'unprocessable' = 'validation_failed',
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => {
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const base = formatFieldPath(issue.path);
    if (unknownKeys.length > 0) {
      return {
        path: unknownKeys.map((key) => (base === '(body)' ? key : `${base}.${key}`)).join(', '),
        message: `unknown field(s): ${unknownKeys.join(', ')}`,
      };
    }
    return { path: base, message: issue.message };
  });
  throw new AppError(code, `Invalid ${where}: ${errors.map((e) => `${e.path} (${e.message})`).join('; ')}`, { errors });
}

/** Query strings longer than this are parsed every time (a memo of long hostile URLs would grow without use). */
const MEMO_MAX_QUERY_CHARS = 512;
/** Distinct query strings a memo keeps before it starts over. */
const MEMO_MAX_ENTRIES = 20_000;

/** The raw query string of a request: what follows the first `?` of its URL, or ''. */
export function rawQueryOf(req: Request): string {
  const at = req.url.indexOf('?');
  return at < 0 ? '' : req.url.slice(at + 1);
}

/**
 * A set of raw query strings, bounded: it starts over when full, and keeps none longer than a
 * normal question (so hostile URLs cost memory only while they are being answered).
 */
export function boundedQueryMemo<Value>(): {
  get(raw: string): Value | undefined;
  set(raw: string, value: Value): void;
} {
  const entries = new Map<string, Value>();
  return {
    get: (raw) => entries.get(raw),
    set(raw, value) {
      if (raw.length > MEMO_MAX_QUERY_CHARS) return;
      if (entries.size >= MEMO_MAX_ENTRIES) entries.clear();
      entries.set(raw, value);
    },
  };
}

/**
 * parseInput for a hot route's query, remembered by the raw query string: parsing is a pure
 * function of that string, and a storefront asks the same few thousand questions over and over
 * (query parsing and zod were a tenth of an estimate's CPU). A refused query is not remembered;
 * it is parsed, and refused, every time. The parsed value is frozen: every request shares it.
 */
export function memoizedQueryParser<Schema extends z.ZodType>(
  schema: Schema,
  code: 'validation_failed' | 'unprocessable' = 'validation_failed',
): (req: Request) => Readonly<z.output<Schema>> {
  const memo = boundedQueryMemo<Readonly<z.output<Schema>>>();
  return (req) => {
    const raw = rawQueryOf(req);
    let parsed = memo.get(raw);
    if (parsed === undefined) {
      parsed = Object.freeze(parseInput(schema, req.query, 'query', code));
      memo.set(raw, parsed);
    }
    return parsed;
  };
}
