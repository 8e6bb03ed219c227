/**
 * What other modules read of holds, as exported functions (they never import the delivery
 * repository): on whatever connection or transaction the caller holds, so a read inside the
 * caller's transaction sees what it sees.
 */
import type { Queryable } from '../../db/database';
import { holdLookupsRepository as repo, type HoldLookupRow } from './hold-lookups.repository';

export type HoldLookup = HoldLookupRow;

export const holdLookups = {
  /** These holds by id (a missing id is left out). */
  byIds: (db: Queryable, holdIds: string[]): Promise<HoldLookup[]> => repo.holdsByIds(db, holdIds),
  /** The ids of these holds that count at `now` (confirmed, or held and not past expiry). */
  activeIds: async (db: Queryable, holdIds: string[], now: Date): Promise<Set<string>> =>
    new Set(await repo.activeHoldIds(db, holdIds, now)),
  /** Units of these SKUs' holds that ended (confirmed, released, expired), unclaimed (released, expired) and confirmed. */
  endedUnitsOfSkus: (db: Queryable, skuIds: string[]) => repo.endedHoldUnitsOfSkus(db, skuIds),
};
