import { isDeepStrictEqual } from 'node:util';
import { normalisePostalCode } from '../../shared/postal-code';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound, type FieldError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Precondition } from '../../http/etag';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import { ownsCreator, type Principal } from '../../http/principal';
import {
  catalogRepository as repo,
  type CostShiftRow,
  type CreatorRow,
  type DropRow,
  type HubRow,
  type RegionRow,
  type SkuRow,
  type SupplierRow,
} from './catalog.repository';
import { catalogReaders } from './catalog.readers';
import { type DropInput, type HubInput, type RegionInput, type SkuInput, type SupplierInput } from './catalog.schemas';

/** A saved resource and whether the PUT created it (201) or replaced or replayed it (200). */
export interface Saved<T> {
  resource: T;
  created: boolean;
}

const iso = (date: Date) => date.toISOString();
const stamps = (row: { created_at: Date; updated_at: Date }) => ({
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

export const toCreator = (row: CreatorRow): Schemas['Creator'] => ({ id: row.id, name: row.name, ...stamps(row) });
export const toPartner = toCreator as (row: CreatorRow) => Schemas['Partner'];
export const toRegion = (row: RegionRow): Schemas['Region'] => ({
  id: row.id,
  name: row.name,
  time_zone: row.time_zone,
  weekend_days: row.weekend_days,
  postal_prefixes: row.postal_prefixes,
  latitude: row.latitude,
  longitude: row.longitude,
  cost_shifts: row.cost_shifts,
  ...stamps(row),
});
export const toHub = (row: HubRow): Schemas['Hub'] => ({
  id: row.id,
  name: row.name,
  operator_partner_id: row.operator_partner_id,
  capacity_units: row.capacity_units,
  time_zone: row.time_zone,
  order_cutoff_local: row.order_cutoff_local,
  handling_days: row.handling_days,
  lanes: row.lanes,
  latitude: row.latitude,
  longitude: row.longitude,
  ...stamps(row),
});
export const toSupplier = (row: SupplierRow): Schemas['Supplier'] => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  lead_time_days_min: row.lead_time_days_min,
  lead_time_days_max: row.lead_time_days_max,
  capacity_units: row.capacity_units,
  unit_cost: row.unit_cost,
  min_order_units: row.min_order_units,
  order_multiple: row.order_multiple,
  fallback_premium_per_unit: row.fallback_premium_per_unit,
  inbound_freight: row.inbound_freight,
  capacity_by_date: row.capacity_by_date,
  ...stamps(row),
});
export const toDrop = (row: DropRow): Schemas['Drop'] => ({
  id: row.id,
  creator_id: row.creator_id,
  name: row.name,
  opens_at: iso(row.opens_at),
  closes_at: iso(row.closes_at),
  promise_business_days: row.promise_business_days,
  status: row.status,
  baseline: row.baseline,
  ...stamps(row),
});
export const toSku = (row: SkuRow): Schemas['Sku'] => ({
  id: row.id,
  drop_id: row.drop_id,
  name: row.name,
  price: row.price,
  unit_cost: row.unit_cost,
  sourcing: row.sourcing,
  ...stamps(row),
});

/** The writable part of a saved resource, to tell a replayed PUT (no write, 200) from a change. */
/** Cost shifts as stored: dates in UTC ISO form, only the parts given. */
function normaliseShifts(shifts: readonly CostShiftRow[] | undefined): CostShiftRow[] {
  return (shifts ?? []).map((shift) => ({
    ...shift,
    from: new Date(shift.from).toISOString(),
    to: new Date(shift.to).toISOString(),
  }));
}

function sameContent<T extends object>(saved: T | undefined, input: Partial<T>): boolean {
  if (!saved) return false;
  const picked = Object.fromEntries(Object.keys(input).map((key) => [key, saved[key as keyof T]]));
  return isDeepStrictEqual(JSON.parse(JSON.stringify(picked)), JSON.parse(JSON.stringify(input)));
}

function unprocessable(detail: string, errors: FieldError[]): AppError {
  return new AppError('unprocessable', detail, { errors });
}

async function requireReferences(tx: Queryable, kind: 'region' | 'supplier', refs: { id: string; path: string }[]) {
  if (refs.length === 0) return;
  const ids = [...new Set(refs.map((r) => r.id))];
  const found =
    kind === 'region' ? await repo.findExistingRegionIds(tx, ids) : await repo.findExistingSupplierIds(tx, ids);
  const errors = refs
    .filter((r) => !found.has(r.id))
    .map((r) => ({ path: r.path, message: `unknown ${kind} '${r.id}'` }));
  if (errors.length > 0) throw unprocessable(`${errors.length} reference(s) to an unknown ${kind}`, errors);
}

export function createCatalogService(db: Database) {
  /** A drop the principal may see, or 404 (another tenant's drop is indistinguishable from none). */
  async function visibleDrop(principal: Principal, dropId: string, q: Queryable = db): Promise<DropRow> {
    const drop = await repo.findDrop(q, dropId);
    if (!drop || !ownsCreator(principal, drop.creator_id)) throw notFound('drop', dropId);
    return drop;
  }

  return {
    visibleDrop,

    /** Whether a creator exists; `q`: the caller's transaction, when the check guards its write. */
    async creatorExists(id: string, q: Queryable = db): Promise<boolean> {
      return (await repo.findCreator(q, id)) !== undefined;
    },
    /** Whether a partner exists; `q`: the caller's transaction, when the check guards its write. */
    async partnerExists(id: string, q: Queryable = db): Promise<boolean> {
      return (await repo.findPartner(q, id)) !== undefined;
    },

    // Ids and locks other modules need (catalog.readers.ts); `q`: the caller's transaction when the
    // read belongs to its snapshot, `tx`: the transaction a lock lasts for.
    /** Ids of a drop's SKUs, to check a batch's references against in memory. */
    skuIdsOfDrop: async (dropId: string, q: Queryable = db): Promise<ReadonlySet<string>> =>
      new Set(await catalogReaders.skuIdsOf(q, dropId)),
    /** Ids of the SKUs of a creator's drops (every drop's when creatorId is null). */
    skuIdsOfCreator: (creatorId: string | null, q: Queryable = db) => catalogReaders.skuIdsOfCreator(q, creatorId),
    regionIds: (q: Queryable = db) => catalogReaders.regionIds(q),
    /** Every postal prefix with its region. */
    postalPrefixes: (q: Queryable = db) => catalogReaders.postalPrefixes(q),
    /** Ids of the hubs a partner operates (every hub when partnerId is null), by id. */
    hubIdsOperatedBy: (partnerId: string | null, q: Queryable = db) => catalogReaders.hubIdsOperatedBy(q, partnerId),
    /** Ids of the drops scheduled or live and not yet closed at `now`, by opening then id. */
    openDropIdsByOpening: (now: Date, q: Queryable = db) => catalogReaders.openDropIdsByOpening(q, now),
    /** Locks a drop's row for the rest of the caller's transaction (versions of what hangs off the drop). */
    lockDrop: (tx: Queryable, dropId: string) => catalogReaders.lockDrop(tx, dropId),

    async listCreators(principal: Principal, page: PageRequest): Promise<Page<Schemas['Creator']>> {
      const only = principal.role === 'admin' ? undefined : 'creatorId' in principal ? principal.creatorId : '';
      return pageOf(await repo.listCreatorsPage(db, only, page), page, (r) => [r.id], toCreator);
    },
    async getCreator(principal: Principal, id: string) {
      const row = await repo.findCreator(db, id);
      if (!row || !ownsCreator(principal, id)) throw notFound('creator', id);
      return toCreator(row);
    },
    async putCreator(
      id: string,
      input: Schemas['CreatorInput'],
      precondition?: Precondition,
    ): Promise<Saved<Schemas['Creator']>> {
      return db.transaction(async (tx) => {
        const existing = await repo.findCreator(tx, id);
        precondition?.(existing ? toCreator(existing) : undefined);
        if (!sameContent(existing, input)) await repo.upsertCreator(tx, id, input.name);
        return { resource: toCreator((await repo.findCreator(tx, id))!), created: !existing };
      });
    },

    async listPartners(principal: Principal, page: PageRequest): Promise<Page<Schemas['Partner']>> {
      const only = principal.role === 'partner' ? principal.partnerId : undefined;
      return pageOf(await repo.listPartnersPage(db, only, page), page, (r) => [r.id], toPartner);
    },
    async getPartner(principal: Principal, id: string) {
      const row = await repo.findPartner(db, id);
      if (!row || (principal.role === 'partner' && principal.partnerId !== id)) throw notFound('partner', id);
      return toPartner(row);
    },
    async putPartner(
      id: string,
      input: Schemas['PartnerInput'],
      precondition?: Precondition,
    ): Promise<Saved<Schemas['Partner']>> {
      return db.transaction(async (tx) => {
        const existing = await repo.findPartner(tx, id);
        precondition?.(existing ? toPartner(existing) : undefined);
        if (!sameContent(existing, input)) await repo.upsertPartner(tx, id, input.name);
        return { resource: toPartner((await repo.findPartner(tx, id))!), created: !existing };
      });
    },

    async listRegionsPage(page: PageRequest): Promise<Page<Schemas['Region']>> {
      return pageOf(await repo.listRegionsPage(db, page), page, (r) => [r.id], toRegion);
    },
    async listRegions() {
      return (await repo.listRegions(db)).map(toRegion);
    },
    async getRegion(id: string) {
      const row = await repo.findRegion(db, id);
      if (!row) throw notFound('region', id);
      return toRegion(row);
    },
    async putRegion(id: string, input: RegionInput, precondition?: Precondition): Promise<Saved<Schemas['Region']>> {
      const normalised = {
        ...input,
        weekend_days: [...(input.weekend_days ?? [6, 7])].sort(),
        postal_prefixes: [...new Set((input.postal_prefixes ?? []).map(normalisePostalCode))].sort(),
        // PUT replaces: coordinates left out are cleared, and a replay without them changes nothing.
        latitude: input.latitude ?? null,
        longitude: input.longitude ?? null,
        cost_shifts: normaliseShifts(input.cost_shifts),
      };
      return db.transaction(async (tx) => {
        const taken = await repo.findPostalPrefixesOwnedElsewhere(tx, id, normalised.postal_prefixes);
        if (taken.length > 0) {
          throw new AppError(
            'conflict',
            `postal prefix(es) already mapped to another region: ${taken.map((t) => `${t.prefix} → ${t.region_id}`).join(', ')}`,
            {
              errors: taken.map((t) => ({
                path: `postal_prefixes[${normalised.postal_prefixes.indexOf(t.prefix)}]`,
                message: `already mapped to region '${t.region_id}'`,
              })),
            },
          );
        }
        const existing = await repo.findRegion(tx, id);
        precondition?.(existing ? toRegion(existing) : undefined);
        if (!sameContent(existing, normalised)) await repo.upsertRegion(tx, id, normalised);
        return { resource: toRegion((await repo.findRegion(tx, id))!), created: !existing };
      });
    },

    async listHubsPage(principal: Principal, page: PageRequest): Promise<Page<Schemas['Hub']>> {
      const only = principal.role === 'partner' ? principal.partnerId : undefined;
      return pageOf(await repo.listHubsPage(db, only, page), page, (r) => [r.id], toHub);
    },
    async listHubs(principal: Principal) {
      return (await repo.listHubs(db, principal.role === 'partner' ? principal.partnerId : undefined)).map(toHub);
    },
    async getHub(principal: Principal, id: string) {
      const row = await repo.findHub(db, id);
      if (!row || (principal.role === 'partner' && row.operator_partner_id !== principal.partnerId))
        throw notFound('hub', id);
      return toHub(row);
    },
    async putHub(id: string, given: HubInput, precondition?: Precondition): Promise<Saved<Schemas['Hub']>> {
      const input = {
        ...given,
        latitude: given.latitude ?? null,
        longitude: given.longitude ?? null,
        lanes: given.lanes.map((lane) => ({
          ...lane,
          shipping_cost_per_unit: lane.shipping_cost_per_unit ?? 0,
          shipping_cost_per_shipment: lane.shipping_cost_per_shipment ?? 0,
          cost_shifts: normaliseShifts(lane.cost_shifts),
        })),
      };
      return db.transaction(async (tx) => {
        if (!(await repo.findPartner(tx, input.operator_partner_id))) {
          throw unprocessable(`operator partner '${input.operator_partner_id}' does not exist`, [
            { path: 'operator_partner_id', message: 'unknown partner' },
          ]);
        }
        await requireReferences(
          tx,
          'region',
          input.lanes.map((lane, i) => ({ id: lane.region_id, path: `lanes[${i}].region_id` })),
        );
        const existing = await repo.findHub(tx, id);
        precondition?.(existing ? toHub(existing) : undefined);
        if (!sameContent(existing, input)) await repo.upsertHub(tx, id, input);
        return { resource: toHub((await repo.findHub(tx, id))!), created: !existing };
      });
    },

    async listSuppliers(page: PageRequest): Promise<Page<Schemas['Supplier']>> {
      return pageOf(await repo.listSuppliersPage(db, page), page, (r) => [r.id], toSupplier);
    },
    async getSupplier(id: string) {
      const row = await repo.findSupplier(db, id);
      if (!row) throw notFound('supplier', id);
      return toSupplier(row);
    },
    async putSupplier(
      id: string,
      given: SupplierInput,
      precondition?: Precondition,
    ): Promise<Saved<Schemas['Supplier']>> {
      const input = {
        ...given,
        fallback_premium_per_unit: given.fallback_premium_per_unit ?? 0,
        inbound_freight: given.inbound_freight ?? [],
        capacity_by_date: given.capacity_by_date ?? [],
      };
      return db.transaction(async (tx) => {
        const existing = await repo.findSupplier(tx, id);
        precondition?.(existing ? toSupplier(existing) : undefined);
        if (!sameContent(existing, input)) await repo.upsertSupplier(tx, id, input);
        return { resource: toSupplier((await repo.findSupplier(tx, id))!), created: !existing };
      });
    },

    async listDrops(
      principal: Principal,
      filter: { creator_id?: string | undefined; status?: Schemas['DropStatus'] | undefined },
      page: PageRequest,
    ): Promise<Page<Schemas['Drop']>> {
      // A creator or storefront key sees its creator's drops whatever it asks: both ids must match.
      const own = principal.role === 'admin' ? [] : ['creatorId' in principal ? principal.creatorId : ''];
      const creatorIds = filter.creator_id === undefined ? own : [...own, filter.creator_id];
      const rows = await repo.listDropsPage(db, { creatorIds, status: filter.status }, page);
      return pageOf(rows, page, (r) => [r.page_opens_at, r.id], toDrop);
    },
    async getDrop(principal: Principal, id: string) {
      return toDrop(await visibleDrop(principal, id));
    },
    async putDrop(
      principal: Principal,
      id: string,
      input: DropInput,
      precondition?: Precondition,
    ): Promise<Saved<Schemas['Drop']>> {
      return db.transaction(async (tx) => {
        const existing = await repo.findDrop(tx, id);
        if (existing && !ownsCreator(principal, existing.creator_id)) throw notFound('drop', id);
        precondition?.(existing ? toDrop(existing) : undefined);
        if (!ownsCreator(principal, input.creator_id) || !(await repo.findCreator(tx, input.creator_id))) {
          throw unprocessable(`creator '${input.creator_id}' does not exist`, [
            { path: 'creator_id', message: 'unknown creator' },
          ]);
        }
        if (existing && existing.creator_id !== input.creator_id) {
          throw new AppError(
            'conflict',
            `drop '${id}' belongs to creator '${existing.creator_id}'; a drop cannot move between creators`,
            {
              errors: [{ path: 'creator_id', message: 'cannot change' }],
            },
          );
        }
        await requireReferences(
          tx,
          'region',
          input.baseline.paths.map((p, i) => ({ id: p.region_id, path: `baseline.paths[${i}].region_id` })),
        );
        const comparable = { ...toDropContent(input) };
        if (!sameContent(existing ? toDropContent(toDrop(existing)) : undefined, comparable))
          await repo.upsertDrop(tx, id, input);
        return { resource: toDrop((await repo.findDrop(tx, id))!), created: !existing };
      });
    },

    /** Closes a drop inside the caller's transaction (the post-drop report's, so both land or neither). */
    async markDropClosed(tx: Queryable, dropId: string): Promise<void> {
      await repo.markDropClosed(tx, dropId);
    },

    /**
     * Locks a SKU's row until the caller's transaction ends, so checks of that SKU (a return against
     * the units sold) run one after the other; false when there is no such SKU.
     */
    async lockSku(tx: Queryable, skuId: string): Promise<boolean> {
      return repo.lockSku(tx, skuId);
    },

    async listSkusPage(principal: Principal, dropId: string, page: PageRequest): Promise<Page<Schemas['Sku']>> {
      await visibleDrop(principal, dropId);
      return pageOf(await repo.listSkusPage(db, dropId, page), page, (r) => [r.id], toSku);
    },
    async listSkus(principal: Principal, dropId: string) {
      await visibleDrop(principal, dropId);
      return (await repo.listSkus(db, dropId)).map(toSku);
    },
    async getSku(principal: Principal, dropId: string, skuId: string) {
      await visibleDrop(principal, dropId);
      const row = await repo.findSku(db, skuId);
      if (!row || row.drop_id !== dropId) throw notFound('SKU', skuId);
      return toSku(row);
    },
    async putSku(
      principal: Principal,
      dropId: string,
      skuId: string,
      input: SkuInput,
      precondition?: Precondition,
    ): Promise<Saved<Schemas['Sku']>> {
      return db.transaction(async (tx) => {
        await visibleDrop(principal, dropId, tx);
        const existing = await repo.findSku(tx, skuId);
        if (existing && existing.drop_id !== dropId) {
          // SKU ids are global. Taken by a drop this key cannot see: answer as for any id outside
          // its scope (404), never "already used", which would tell that the other tenant has it.
          const owner = await repo.findDrop(tx, existing.drop_id);
          if (!owner || !ownsCreator(principal, owner.creator_id)) throw notFound('SKU', skuId);
          throw new AppError('conflict', `SKU id '${skuId}' is already used by another drop`, {
            errors: [{ path: 'skuId', message: 'taken' }],
          });
        }
        precondition?.(existing ? toSku(existing) : undefined);
        await requireReferences(
          tx,
          'supplier',
          input.sourcing.map((s, i) => ({ id: s.supplier_id, path: `sourcing[${i}].supplier_id` })),
        );
        if (!sameContent(existing, input)) await repo.upsertSku(tx, skuId, dropId, input);
        return { resource: toSku((await repo.findSku(tx, skuId))!), created: !existing };
      });
    },
  };
}

/** A drop's writable content with instants normalised, so "…Z" and "+00:00" replays compare equal. */
function toDropContent(
  drop: Pick<
    DropInput,
    'creator_id' | 'name' | 'opens_at' | 'closes_at' | 'promise_business_days' | 'status' | 'baseline'
  >,
) {
  return {
    creator_id: drop.creator_id,
    name: drop.name,
    opens_at: new Date(drop.opens_at).toISOString(),
    closes_at: new Date(drop.closes_at).toISOString(),
    promise_business_days: drop.promise_business_days,
    status: drop.status,
    baseline: {
      source: drop.baseline.source,
      paths: [...drop.baseline.paths].sort((a, b) => a.region_id.localeCompare(b.region_id)),
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
