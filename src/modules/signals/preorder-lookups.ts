/**
 * What other modules read of pre-orders, as exported functions (they never import the signals
 * repositories): on whatever connection or transaction the caller holds.
 */
import type { Queryable } from '../../db/database';
import { preorderLookupsRepository as repo } from './preorder-lookups.repository';

export const preorderLookups = {
  /** Realised demand: placed (not cancelled) pre-orders of the drop placed at or before `until`. */
  placedUntil: (db: Queryable, dropId: string, until: Date) => repo.placedUntil(db, dropId, until),
};
