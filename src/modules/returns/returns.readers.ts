/**
 * What other modules read of returns, as exported functions (they never import the returns
 * repositories): on whatever connection or transaction the caller holds.
 */
import type { Queryable } from '../../db/database';
import { returnLookupsRepository as repo } from './return-lookups.repository';

export const returnsReaders = {
  /** Units returned of the drop, whatever became of them. */
  returnedUnitsOfDrop: (db: Queryable, dropId: string) => repo.returnedUnitsOfDrop(db, dropId),
};
