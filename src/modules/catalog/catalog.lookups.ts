/**
 * What other modules look up in the catalog besides its records (catalog.readers.ts): bare ids to
 * check references against in memory, the drops and hubs a window or a tenant covers, and the row
 * locks that serialise work hanging off catalog rows. Exported functions on whatever connection or
 * transaction the caller holds (the planner runs them on its own connection in a worker thread,
 * where no catalog service exists); the catalog service offers the same to the modules it is
 * given to. They never import the catalog's repositories.
 */
import type { Queryable } from '../../db/database';
import { catalogLookupsRepository as repo } from './catalog-lookups.repository';

export const catalogLookups = {
  /** Ids of a drop's SKUs, to check references against. */
  skuIdsOfDrop: async (q: Queryable, dropId: string): Promise<ReadonlySet<string>> =>
    new Set(await repo.listSkuIdsOfDrop(q, dropId)),
  /** Ids of the SKUs of a creator's drops (every drop's when creatorId is null). */
  skuIdsOfCreator: async (q: Queryable, creatorId: string | null): Promise<ReadonlySet<string>> =>
    new Set(await repo.listSkuIdsOfCreator(q, creatorId)),
  regionIds: async (q: Queryable): Promise<ReadonlySet<string>> => new Set(await repo.listRegionIds(q)),
  /** Every postal prefix with its region. */
  postalPrefixes: (q: Queryable) => repo.listPostalPrefixes(q),

  /** Ids of the hubs a partner operates (every hub when partnerId is null), by id. */
  hubIdsOperatedBy: (q: Queryable, partnerId: string | null) => repo.listHubIdsOperatedBy(q, partnerId),
  /** The operator of each of these hubs, by hub id. */
  operatorsOfHubs: (q: Queryable, hubIds: string[]) => repo.listOperatorsOfHubs(q, hubIds),

  /** Ids of the other drops whose window overlaps this one, by id. */
  otherDropIdsOverlapping: (q: Queryable, dropId: string, window: { opensAt: Date; closesAt: Date }) =>
    repo.listOtherDropIdsOverlapping(q, dropId, window),
  /** Ids of the drops open at `now` (or marked live), not closed, by id. */
  liveDropIds: (q: Queryable, now: Date) => repo.listLiveDropIds(q, now),
  /** Ids of the drops scheduled or live and not yet closed at `now`, by opening then id. */
  openDropIdsByOpening: (q: Queryable, now: Date) => repo.listOpenDropIdsByOpening(q, now),

  /**
   * Locks a drop's row for the rest of the caller's transaction: serialises the versions of what
   * hangs off one drop (plans, forecasts) and its publishes.
   */
  lockDrop: (tx: Queryable, dropId: string) => repo.lockDrop(tx, dropId),
  /** Locks hubs' rows for the rest of the caller's transaction (their capacity is shared across drops). */
  lockHubs: (tx: Queryable, hubIds: string[]) => repo.lockHubs(tx, hubIds),
  /** Locks suppliers' rows for the rest of the caller's transaction (their capacity is shared across drops). */
  lockSuppliers: (tx: Queryable, supplierIds: string[]) => repo.lockSuppliers(tx, supplierIds),
};
