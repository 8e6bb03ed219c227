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
