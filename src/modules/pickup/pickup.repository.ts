import type { Queryable } from '../../db/database';
import type { OpeningInterval } from './core/pickup-slots';

/** Pickup SQL: hubs' pickup offers, the slots holds reserve, the drops' pickup shares. */
export interface HubPickupRow {
  hub_id: string;
  time_zone: string;
  handling_days: number;
  address_label: string;
  slot_minutes: number;
  units_per_slot: number;
  opening_hours: OpeningInterval[];
  region_ids: string[] | null;
  /** regions the hub's lanes reach, in lane order */
  lane_region_ids: string[];
  updated_at: Date;
}

const pickupSelect = `
  select p.hub_id, h.time_zone, h.handling_days, p.address_label, p.slot_minutes, p.units_per_slot,
    p.opening_hours, p.region_ids, p.updated_at,
    coalesce((select array_agg(l.region_id order by l.position) from hub_lanes l where l.hub_id = p.hub_id),
      '{}') as lane_region_ids
  from hub_pickup p join hubs h on h.id = p.hub_id`;

export const pickupRepository = {
  async findPickup(db: Queryable, hubId: string) {
    return (await db.query<HubPickupRow>(`${pickupSelect} where p.hub_id = $1`, [hubId])).rows[0];
  },
  async listPickups(db: Queryable) {
    return (await db.query<HubPickupRow>(`${pickupSelect} order by p.hub_id`)).rows;
  },
  async upsertPickup(
    db: Queryable,
    hubId: string,
    input: {
      address_label: string;
      slot_minutes: number;
      units_per_slot: number;
      opening_hours: OpeningInterval[];
      region_ids: string[] | null;
    },
    now: Date,
  ) {
    await db.query(
      `insert into hub_pickup (hub_id, address_label, slot_minutes, units_per_slot, opening_hours, region_ids, created_at, updated_at)
       values ($1, $2, $3, $4, $5::jsonb, $6::text[], $7, $7)
       on conflict (hub_id) do update set address_label = excluded.address_label, slot_minutes = excluded.slot_minutes,
         units_per_slot = excluded.units_per_slot, opening_hours = excluded.opening_hours,
         region_ids = excluded.region_ids, updated_at = excluded.updated_at`,
      [
        hubId,
        input.address_label,
        input.slot_minutes,
        input.units_per_slot,
        JSON.stringify(input.opening_hours),
        input.region_ids,
        now,
      ],
    );
  },
  async deletePickup(db: Queryable, hubId: string): Promise<boolean> {
    return ((await db.query('delete from hub_pickup where hub_id = $1', [hubId])).rowCount ?? 0) > 0;
  },
  async listUnknownRegionIds(db: Queryable, regionIds: string[]) {
    return (
      await db.query<{ id: string }>(
        'select x.id from unnest($1::text[]) as x(id) where not exists (select 1 from regions r where r.id = x.id)',
        [regionIds],
      )
    ).rows.map((r) => r.id);
  },

  /**
   * Units each slot hands out now, per hub and slot start: active holds not past their expiry, and
   * confirmed ones. (Estimates read this into their snapshot with the stock.)
   */
  async listSlotUsage(db: Queryable, now: Date) {
    return (
      await db.query<{ hub_id: string; slot_start: Date; units: number }>(
        `select hub_id, pickup_slot_start as slot_start, sum(quantity)::int as units from reservation_holds
         where pickup_slot_start is not null and (status = 'confirmed' or (status = 'held' and expires_at > $1))
         group by hub_id, pickup_slot_start`,
        [now],
      )
    ).rows;
  },

  /**
   * The lock every slot reservation at a hub takes first (the hub's pickup row), so the count that
   * follows sees every reservation committed before it and none can commit beside it. Undefined
   * when the hub offers no pickup.
   */
  async lockPickup(tx: Queryable, hubId: string) {
    return (
      await tx.query<{ units_per_slot: number }>('select units_per_slot from hub_pickup where hub_id = $1 for update', [
        hubId,
      ])
    ).rows[0];
  },
  /** Units held or confirmed in a slot at a hub (the hold being placed, in this transaction, included). */
  async slotUnits(tx: Queryable, hubId: string, slotStart: Date, now: Date): Promise<number> {
    const { rows } = await tx.query<{ units: number }>(
      `select coalesce(sum(quantity), 0)::int as units from reservation_holds
       where hub_id = $1 and pickup_slot_start = $2 and (status = 'confirmed' or (status = 'held' and expires_at > $3))`,
      [hubId, slotStart, now],
    );
    return rows[0]!.units;
  },
  async findHoldSlot(db: Queryable, holdId: string) {
    return (
      await db.query<{ hub_id: string; slot_start: Date | null; slot_end: Date | null }>(
        'select hub_id, pickup_slot_start as slot_start, pickup_slot_end as slot_end from reservation_holds where id = $1',
        [holdId],
      )
    ).rows[0];
  },

  /** Pickups due at some hubs for a drop's SKUs, per slot and SKU, in slot order. */
  async listPickupsDue(db: Queryable, dropId: string, hubIds: string[], now: Date) {
    return (
      await db.query<{
        hub_id: string;
        slot_start: Date;
        slot_end: Date;
        sku_id: string;
        units: number;
        holds: number;
      }>(
        `select h.hub_id, h.pickup_slot_start as slot_start, h.pickup_slot_end as slot_end, h.sku_id,
           sum(h.quantity)::int as units, count(*)::int as holds
         from reservation_holds h join skus s on s.id = h.sku_id
         where s.drop_id = $1 and h.hub_id = any($2::text[]) and h.pickup_slot_start is not null
           and (h.status = 'confirmed' or (h.status = 'held' and h.expires_at > $3))
         group by h.hub_id, h.pickup_slot_start, h.pickup_slot_end, h.sku_id
         order by h.pickup_slot_start, h.hub_id, h.sku_id`,
        [dropId, hubIds, now],
      )
    ).rows;
  },

  async listShares(db: Queryable, dropId: string) {
    return (
      await db.query<{ region_id: string; share: number }>(
        'select region_id, share::float8 as share from drop_pickup_shares where drop_id = $1 order by region_id',
        [dropId],
      )
    ).rows;
  },
  async replaceShares(db: Queryable, dropId: string, shares: { region_id: string; share: number }[]) {
    await db.query('delete from drop_pickup_shares where drop_id = $1', [dropId]);
    if (shares.length === 0) return;
    await db.query(
      `insert into drop_pickup_shares (drop_id, region_id, share)
       select $1, x.region_id, x.share from unnest($2::text[], $3::float8[]) as x(region_id, share)`,
      [dropId, shares.map((s) => s.region_id), shares.map((s) => s.share)],
    );
  },

  /**
   * For each region of the drop with a pickup share, the hubs offering it pickup with the lane that
   * ranks them (null when the hub has no lane to the region but lists it).
   */
  async listPickupHubsForShares(db: Queryable, dropId: string) {
    return (
      await db.query<{
        region_id: string;
        share: number;
        hub_id: string;
        handling_days: number;
        transit_days_min: number | null;
        transit_days_max: number | null;
      }>(
        `select s.region_id, s.share::float8 as share, p.hub_id, h.handling_days, l.transit_days_min, l.transit_days_max
         from drop_pickup_shares s
         join hub_pickup p on true
         join hubs h on h.id = p.hub_id
         left join hub_lanes l on l.hub_id = p.hub_id and l.region_id = s.region_id
         where s.drop_id = $1 and s.share > 0
           and ((p.region_ids is null and l.region_id is not null) or s.region_id = any(p.region_ids))
         order by s.region_id, p.hub_id`,
        [dropId],
      )
    ).rows;
  },
};
