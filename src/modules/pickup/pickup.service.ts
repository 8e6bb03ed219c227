import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { catalogReaders, type CatalogService } from '../catalog';
import type { DeliveryReaders } from '../delivery';
import type { PickupOffer } from './core/pickup-slots';
import { pickupReaders, type PickupRoute } from './pickup.readers';
import { pickupRepository as repo, type HubPickupRow } from './pickup.repository';
import type { HubPickupInput, PickupSharesInput } from './pickup.schemas';

/** A hub's pickup offer as estimates and holds read it (the delivery snapshot keeps these). */
export interface PickupOfferEntry extends PickupOffer {
  handlingDays: number;
  /** the regions that may collect here (the listed ones, else those the lanes reach), in lane order */
  regionIds: string[];
}

export type { PickupRoute } from './pickup.readers';

const toHubPickup = (row: HubPickupRow): Schemas['HubPickup'] => ({
  hub_id: row.hub_id,
  address_label: row.address_label,
  slot_minutes: row.slot_minutes,
  units_per_slot: row.units_per_slot,
  opening_hours: row.opening_hours,
  region_ids: row.region_ids,
  updated_at: row.updated_at.toISOString(),
});

/** What an offer needs of its hub (the catalog's): its zone, handling days and lanes in order. */
type OfferHub = { time_zone: string; handling_days: number; lanes: { region_id: string }[] };

const toOffer = (row: HubPickupRow, hub: OfferHub): PickupOfferEntry => ({
  hubId: row.hub_id,
  timeZone: hub.time_zone,
  addressLabel: row.address_label,
  slotMinutes: row.slot_minutes,
  unitsPerSlot: row.units_per_slot,
  openingHours: row.opening_hours,
  handlingDays: hub.handling_days,
  regionIds: row.region_ids ?? hub.lanes.map((lane) => lane.region_id),
});

/** Region ids (of `regionIds`) the catalog does not know. */
async function unknownRegionIds(q: Queryable, regionIds: string[]): Promise<Set<string>> {
  const known = await catalogReaders.existingRegionIds(q, regionIds);
  return new Set(regionIds.filter((id) => !known.has(id)));
}

export function createPickupService(
  db: Database,
  deps: {
    catalog: CatalogService;
    clock: Clock;
    /** the holds (the delivery ledger's): slot usage and pickups due are counted from them */
    holds: Pick<DeliveryReaders, 'pickupSlotUsage' | 'pickupSlotUnits' | 'holdPickupSlot' | 'pickupsDue'>;
  },
) {
  const { catalog, clock, holds } = deps;
  return {
    async getHubPickup(principal: Principal, hubId: string): Promise<Schemas['HubPickup']> {
      await catalog.getHub(principal, hubId);
      const row = await repo.findPickup(db, hubId);
      if (!row) throw notFound('pickup offer of hub', hubId);
      return toHubPickup(row);
    },

    /** Creates or replaces a hub's pickup offer (the input's rules are checked by its schema: 422). */
    async putHubPickup(principal: Principal, hubId: string, input: HubPickupInput): Promise<Schemas['HubPickup']> {
      await catalog.getHub(principal, hubId);
      const regionIds = input.region_ids ?? null;
      if (regionIds) {
        const unknown = await unknownRegionIds(db, regionIds);
        if (unknown.size > 0)
          throw new AppError('unprocessable', `unknown region(s): ${[...unknown].join(', ')}`, {
            errors: regionIds
              .map((id, i) => ({ id, i }))
              .filter(({ id }) => unknown.has(id))
              .map(({ i }) => ({ path: `region_ids[${i}]`, message: 'unknown region' })),
          });
      }
      await repo.upsertPickup(
        db,
        hubId,
        {
          address_label: input.address_label,
          slot_minutes: input.slot_minutes,
          units_per_slot: input.units_per_slot,
          opening_hours: input.opening_hours,
          region_ids: regionIds,
        },
        clock.now(),
      );
      return toHubPickup((await repo.findPickup(db, hubId))!);
    },

    async deleteHubPickup(principal: Principal, hubId: string): Promise<void> {
      await catalog.getHub(principal, hubId);
      if (!(await repo.deletePickup(db, hubId))) throw notFound('pickup offer of hub', hubId);
    },

    async getShares(principal: Principal, dropId: string): Promise<Schemas['PickupShares']> {
      await catalog.visibleDrop(principal, dropId);
      return { drop_id: dropId, shares: await repo.listShares(db, dropId) };
    },

    async putShares(principal: Principal, dropId: string, input: PickupSharesInput): Promise<Schemas['PickupShares']> {
      await catalog.visibleDrop(principal, dropId);
      const unknown = await unknownRegionIds(
        db,
        input.shares.map((s) => s.region_id),
      );
      if (unknown.size > 0)
        throw new AppError('unprocessable', `unknown region(s): ${[...unknown].join(', ')}`, {
          errors: input.shares
            .map((s, i) => ({ id: s.region_id, i }))
            .filter(({ id }) => unknown.has(id))
            .map(({ i }) => ({ path: `shares[${i}].region_id`, message: 'unknown region' })),
        });
      await db.transaction((tx) => repo.replaceShares(tx, dropId, input.shares));
      return { drop_id: dropId, shares: await repo.listShares(db, dropId) };
    },

    /** Every hub's pickup offer (for the delivery snapshot). */
    async offers(q: Queryable = db): Promise<PickupOfferEntry[]> {
      const rows = await repo.listPickups(q);
      if (rows.length === 0) return [];
      const hubs = new Map((await catalogReaders.hubs(q)).map((hub) => [hub.id, hub] as const));
      // An offer's hub exists (the offer is deleted with it); one deleted between the two reads goes, as in a join.
      return rows.flatMap((row) => {
        const hub = hubs.get(row.hub_id);
        return hub ? [toOffer(row, hub)] : [];
      });
    },

    /** Units each slot hands out now, keyed `hub\0startMs` (for the delivery snapshot). */
    async slotUsage(now: Date, q: Queryable = db): Promise<Map<string, number>> {
      return new Map(
        (await holds.pickupSlotUsage(q, now)).map((r) => [slotKey(r.hub_id, r.slot_start.getTime()), r.units] as const),
      );
    },

    /**
     * The slot step of a pickup hold, run in the hold's transaction right after its units were held:
     * locks the hub's pickup row (every reservation at the hub queues there) and counts the slot's
     * units with the hold (which the delivery ledger has put in the slot). Over the slot's capacity → 409 `slot_full`, and the
     * caller's transaction rolls back the hold with it; so a slot is never oversold.
     */
    async reserveSlot(
      tx: Queryable,
      hold: { holdId: string; hubId: string; slotStartMs: number; slotEndMs: number; quantity: number; now: Date },
    ): Promise<void> {
      const locked = await repo.lockPickup(tx, hold.hubId);
      if (!locked)
        throw new AppError('unprocessable', `hub '${hold.hubId}' does not offer pickup`, {
          errors: [{ path: 'pickup.hub_id', message: 'this hub does not offer pickup' }],
        });
      // The hold already carries its slot (written by the delivery ledger in this transaction); the
      // lock above serialises the count per hub, so two holds never both fit the last room.
      const used = await holds.pickupSlotUnits(tx, hold.hubId, new Date(hold.slotStartMs), hold.now);
      if (used > locked.units_per_slot) {
        const unitsFree = Math.max(0, locked.units_per_slot - (used - hold.quantity));
        throw new AppError(
          'conflict',
          `the pickup slot at ${new Date(hold.slotStartMs).toISOString()} of hub '${hold.hubId}' has room for ${unitsFree} unit(s)`,
          { extensions: { reason: 'slot_full', units_free: unitsFree } },
        );
      }
    },

    /** The slot a hold reserved, if any. */
    async holdSlot(holdId: string): Promise<Schemas['HoldPickup'] | undefined> {
      const row = await holds.holdPickupSlot(db, holdId);
      if (!row?.slot_start || !row.slot_end) return undefined;
      return { hub_id: row.hub_id, slot_start: row.slot_start.toISOString(), slot_end: row.slot_end.toISOString() };
    },

    /** Pickups due at these hubs for a drop, per slot and SKU (the partner's pull). */
    async pickupsDue(dropId: string, hubIds: string[]): Promise<Schemas['PartnerPickup'][]> {
      if (hubIds.length === 0) return [];
      const skuIds = await catalogReaders.skuIdsOf(db, dropId);
      return (await holds.pickupsDue(db, skuIds, hubIds, clock.now())).map((r) => ({
        hub_id: r.hub_id,
        slot_start: r.slot_start.toISOString(),
        slot_end: r.slot_end.toISOString(),
        sku_id: r.sku_id,
        units: r.units,
        holds: r.holds,
      }));
    },

    /** Where each region's pickup share of a drop collects (see `pickupReaders.routesOf`). */
    pickupRoutes(dropId: string, q: Queryable = db): Promise<PickupRoute[]> {
      return pickupReaders.routesOf(q, dropId);
    },
  };
}

export const slotKey = (hubId: string, startMs: number) => `${hubId}\u0000${startMs}`;

export type PickupService = ReturnType<typeof createPickupService>;
