import type { Queryable } from './database';

/** Resolves when the database answers a trivial statement; throws what the driver threw otherwise (/readyz). */
export async function databaseAnswers(db: Queryable): Promise<void> {
  await db.query('select 1');
}
