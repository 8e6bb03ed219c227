import type { Queryable } from '../../db/database';
import type { OpeningInterval } from './core/pickup-slots';

/** Pickup SQL: hubs' pickup offers and the drops' pickup shares (the hubs and holds are other modules'). */
export interface HubPickupRow {
  hub_id: string;
  address_label: string;
  slot_minutes: number;
  units_per_slot: number;
  opening_hours: OpeningInterval[];
  region_ids: string[] | null;
  updated_at: Date;
}

const pickupSelect = `
  select hub_id, address_label, slot_minutes, units_per_slot, opening_hours, region_ids, updated_at
  from hub_pickup`;

export const pickupRepository = {
  async findPickup(db: Queryable, hubId: string) {
    return (await db.query<HubPickupRow>(`${pickupSelect} where hub_id = $1`, [hubId])).rows[0];
  },
  async listPickups(db: Queryable) {
    return (await db.query<HubPickupRow>(`${pickupSelect} order by hub_id`)).rows;
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
   * For each region of the drop with a pickup share, the hubs whose pickup offer may take it: those
   * listing the region (`listed`), and those listing none, which take the regions their lanes reach
   * (the lanes are the catalog's: the caller keeps those hubs only where a lane exists). By region, then hub.
   */
  async listPickupHubsForShares(db: Queryable, dropId: string) {
    return (
      await db.query<{ region_id: string; share: number; hub_id: string; listed: boolean }>(
        `select s.region_id, s.share::float8 as share, p.hub_id, p.region_ids is not null as listed
         from drop_pickup_shares s join hub_pickup p on p.region_ids is null or s.region_id = any(p.region_ids)
         where s.drop_id = $1 and s.share > 0
         order by s.region_id, p.hub_id`,
        [dropId],
      )
    ).rows;
  },
};
