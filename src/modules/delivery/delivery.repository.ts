import { inItemOrder } from '../../db/batch-rows';
import type { Queryable } from '../../db/database';
import type { Schemas } from '../../http/contract';
import { afterKey, type PageRequest } from '../../http/pagination';

/** Delivery SQL: live stock and holds. */

/** Stock of one SKU at one hub in the ledger's terms (migration 0009, view hub_stock_levels). */
export interface StockRow {
  hub_id: string;
  sku_id: string;
  on_hand: number;
  inbound: number;
  reserved: number;
  held: number;
  available: number;
}
export interface HoldRow {
  id: string;
  hub_id: string;
  sku_id: string;
  region_id: string;
  quantity: number;
  creator_id: string;
  status: Schemas['Hold']['status'];
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  /** the pickup slot the hold reserves (migration 0019), null for a delivery */
  pickup_slot_start: Date | null;
  pickup_slot_end: Date | null;
}
/** A hub_stock row whose counters disagree with its holds. */
export interface LedgerDriftRow {
  hub_id: string;
  sku_id: string;
  held: number;
  active_held: number;
  confirmed: number;
  confirmed_held: number;
}

/** One hold of a batch (function place_holds, migration 0026). */
export interface HoldBatchItem {
  id: string;
  /** the hubs to try, in lane order */
  hubIds: string[];
  skuId: string;
  regionId: string;
  quantity: number;
  creatorId: string;
  now: Date;
  expiresAt: Date;
  /** the access step's inputs on a drop with access rules (its tier, the account's hash); null: a plain hold */
  access: { dropId: string; tier: string | null; accountHash: string | null } | null;
}
/** What place_holds answered for one hold: place_hold_with_access's row, or a plain hold's in the same shape. */
export interface HoldBatchRow {
  outcome: 'held' | 'existing' | 'refused' | 'reserved' | 'sku_limit' | 'drop_limit';
  hub_id: string | null;
  available: number | null;
  used: number | null;
  account_limit: number | null;
}

const stockSelect = 'select hub_id, sku_id, on_hand, inbound, reserved, held, available from hub_stock_levels';
const holdColumns =
  'id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at, ended_at, pickup_slot_start, pickup_slot_end';

export const deliveryRepository = {
  async loadStock(db: Queryable) {
    return (await db.query<StockRow>(stockSelect)).rows;
  },
  async listStockForSkus(db: Queryable, skuIds: string[]) {
    return (await db.query<StockRow>(`${stockSelect} where sku_id = any($1::text[]) order by hub_id, sku_id`, [skuIds]))
      .rows;
  },

  /**
   * One hold attempt at one hub (function place_hold, migration 0009): expires the hub's due holds
   * for this SKU, then takes `quantity` only if it fits. `existing` when a hold with this id is
   * already stored (a retried request), `no_stock` when the hub has no stock row for the SKU.
   */
  async placeHold(
    db: Queryable,
    hold: {
      id: string;
      hubId: string;
      skuId: string;
      regionId: string;
      quantity: number;
      creatorId: string;
      now: Date;
      expiresAt: Date;
      asyncCommit: boolean;
    },
  ): Promise<{ outcome: 'held' | 'refused' | 'no_stock' | 'existing'; available: number | null }> {
    const { rows } = await db.query<{
      outcome: 'held' | 'refused' | 'no_stock' | 'existing';
      available: number | null;
    }>('select outcome, available from place_hold($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      hold.id,
      hold.hubId,
      hold.skuId,
      hold.regionId,
      hold.quantity,
      hold.creatorId,
      hold.now,
      hold.expiresAt,
      hold.asyncCommit,
    ]);
    return rows[0]!;
  },

  /**
   * Several holds in one statement and one transaction (function place_holds, migration 0026), each
   * exactly as alone: the access step when it has one, then place_hold at its hubs in lane order.
   * One row per hold, in the holds' order.
   */
  async placeHolds(db: Queryable, holds: HoldBatchItem[], asyncCommit: boolean): Promise<HoldBatchRow[]> {
    const items = holds.map((h) => ({
      id: h.id,
      hub_ids: h.hubIds,
      sku_id: h.skuId,
      region_id: h.regionId,
      quantity: h.quantity,
      creator_id: h.creatorId,
      now: h.now.toISOString(),
      expires_at: h.expiresAt.toISOString(),
      access: h.access !== null,
      drop_id: h.access?.dropId ?? null,
      tier: h.access?.tier ?? null,
      account_hash: h.access?.accountHash ?? null,
    }));
    const { rows } = await db.query<HoldBatchRow & { ord: number }>(
      'select ord, outcome, hub_id, available, used, account_limit from place_holds($1::jsonb, $2)',
      [JSON.stringify(items), asyncCommit],
    );
    return inItemOrder(rows, holds.length, 'place_holds');
  },

  /**
   * Newest first; the page key is (created_at as text, id). A hold past its expiry that the sweep
   * has not ended yet is already expired for its buyer, so it filters as expired, not as held.
   */
  async listHolds(
    db: Queryable,
    filter: { creatorId: string | null; status: string | undefined; skuId: string | undefined; now: Date },
    page: PageRequest,
  ) {
    return (
      await db.query<HoldRow & { page_created_at: string }>(
        `select ${holdColumns}, created_at::text as page_created_at from reservation_holds
         where ($1::text is null or creator_id = $1) and ($3::text is null or sku_id = $3)
           and ($2::text is null
             or ($2 = 'held' and status = 'held' and expires_at > $4)
             or ($2 = 'expired' and (status = 'expired' or (status = 'held' and expires_at <= $4)))
             or ($2 in ('confirmed', 'released') and status = $2))
           and ($5::timestamptz is null or (created_at, id) < ($5::timestamptz, $6::text))
         order by created_at desc, id desc limit $7`,
        [
          filter.creatorId,
          filter.status ?? null,
          filter.skuId ?? null,
          filter.now,
          ...afterKey(page, 2),
          page.limit + 1,
        ],
      )
    ).rows;
  },
  async findHold(db: Queryable, id: string) {
    return (await db.query<HoldRow>(`select ${holdColumns} from reservation_holds where id = $1`, [id])).rows[0];
  },

  /**
   * Ends an active hold as confirmed or released (function end_hold, migration 0009); one past its
   * expiry ends as expired. Answers the hold's final status and whether this call changed it;
   * undefined for an unknown id.
   */
  async endHold(db: Queryable, id: string, outcome: 'confirmed' | 'released', now: Date) {
    return (
      await db.query<{ status: HoldRow['status']; changed: boolean }>(
        'select status, changed from end_hold($1, $2, $3)',
        [id, outcome, now],
      )
    ).rows[0];
  },

  /** Hub × SKU pairs with holds past their expiry (of these SKUs, or all when skuIds is null). */
  async listPairsWithDueHolds(db: Queryable, now: Date, skuIds: string[] | null) {
    return (
      await db.query<{ hub_id: string; sku_id: string }>(
        `select distinct hub_id, sku_id from reservation_holds
         where status = 'held' and expires_at <= $1 and ($2::text[] is null or sku_id = any($2::text[]))
         order by hub_id, sku_id`,
        [now, skuIds],
      )
    ).rows;
  },

  /**
   * Expires the due holds of one hub and SKU and takes their units out of `held`, in one statement:
   * the hold rows are locked first and the hub_stock row second, as in place_hold and end_hold.
   */
  async expireDueHoldsAt(db: Queryable, hubId: string, skuId: string, now: Date): Promise<number> {
    const { rows } = await db.query<{ units: number }>(
      `with expired as (
         update reservation_holds set status = 'expired', ended_at = $3
         where hub_id = $1 and sku_id = $2 and status = 'held' and expires_at <= $3
         returning quantity
       ), freed as (select coalesce(sum(quantity), 0)::int as units from expired),
       counted as (
         update hub_stock s set held = greatest(s.held - f.units, 0), updated_at = $3
         from freed f where s.hub_id = $1 and s.sku_id = $2 and f.units > 0
         returning f.units
       )
       select units from freed`,
      [hubId, skuId, now],
    );
    return rows[0]?.units ?? 0;
  },

  /**
   * Rows whose held or confirmed counter differs from the sum of their active or confirmed holds.
   * One statement sees one snapshot, and every change of a hold moves its counter in the same
   * transaction, so a row listed here has drifted (it is not a race with a hold in flight).
   */
  async findLedgerDrift(db: Queryable) {
    return (
      await db.query<LedgerDriftRow>(
        `with sums as (
           select hub_id, sku_id,
             coalesce(sum(quantity) filter (where status = 'held'), 0)::int as active_held,
             coalesce(sum(quantity) filter (where status = 'confirmed'), 0)::int as confirmed_held
           from reservation_holds where status in ('held', 'confirmed') group by hub_id, sku_id
         )
         select s.hub_id, s.sku_id, s.held, coalesce(h.active_held, 0) as active_held,
           s.confirmed, coalesce(h.confirmed_held, 0) as confirmed_held
         from hub_stock s left join sums h on h.hub_id = s.hub_id and h.sku_id = s.sku_id
         where s.held <> coalesce(h.active_held, 0) or s.confirmed <> coalesce(h.confirmed_held, 0)
         order by s.hub_id, s.sku_id`,
      )
    ).rows;
  },

  /** Locks one hub_stock row; call first inside the repair transaction. */
  async lockStockRow(tx: Queryable, hubId: string, skuId: string) {
    return (
      await tx.query<{ held: number; confirmed: number }>(
        'select held, confirmed from hub_stock where hub_id = $1 and sku_id = $2 for update',
        [hubId, skuId],
      )
    ).rows[0];
  },

  /**
   * Sets held and confirmed from the holds themselves. Run after lockStockRow in the same
   * transaction: this statement's snapshot is taken after the lock, and any hold change not yet
   * committed is waiting for that lock, so the sums and the counters describe the same moment.
   */
  async setCountersFromHolds(tx: Queryable, hubId: string, skuId: string, now: Date) {
    return (
      await tx.query<{ held: number; confirmed: number }>(
        `update hub_stock s set
           held = (select coalesce(sum(quantity), 0)::int from reservation_holds
                   where hub_id = $1 and sku_id = $2 and status = 'held'),
           confirmed = (select coalesce(sum(quantity), 0)::int from reservation_holds
                        where hub_id = $1 and sku_id = $2 and status = 'confirmed'),
           updated_at = $3
         where s.hub_id = $1 and s.sku_id = $2
         returning s.held, s.confirmed`,
        [hubId, skuId, now],
      )
    ).rows[0];
  },

  /** The pickup slot a hold (placed in this transaction) collects in. */
  async setPickupSlot(db: Queryable, holdId: string, slotStart: Date, slotEnd: Date) {
    await db.query('update reservation_holds set pickup_slot_start = $2, pickup_slot_end = $3 where id = $1', [
      holdId,
      slotStart,
      slotEnd,
    ]);
  },

  // What pickup and returns read of the holds (delivery.readers.ts, the service).
  /**
   * Units each pickup slot hands out now, per hub and slot start: active holds not past their
   * expiry, and confirmed ones.
   */
  async listPickupSlotUsage(db: Queryable, now: Date) {
    return (
      await db.query<{ hub_id: string; slot_start: Date; units: number }>(
        `select hub_id, pickup_slot_start as slot_start, sum(quantity)::int as units from reservation_holds
         where pickup_slot_start is not null and (status = 'confirmed' or (status = 'held' and expires_at > $1))
         group by hub_id, pickup_slot_start`,
        [now],
      )
    ).rows;
  },
  /** Units held or confirmed in one pickup slot at a hub (a hold placed in this transaction included). */
  async countPickupSlotUnits(tx: Queryable, hubId: string, slotStart: Date, now: Date): Promise<number> {
    const { rows } = await tx.query<{ units: number }>(
      `select coalesce(sum(quantity), 0)::int as units from reservation_holds
       where hub_id = $1 and pickup_slot_start = $2 and (status = 'confirmed' or (status = 'held' and expires_at > $3))`,
      [hubId, slotStart, now],
    );
    return rows[0]!.units;
  },
  async findHoldPickupSlot(db: Queryable, holdId: string) {
    return (
      await db.query<{ hub_id: string; slot_start: Date | null; slot_end: Date | null }>(
        'select hub_id, pickup_slot_start as slot_start, pickup_slot_end as slot_end from reservation_holds where id = $1',
        [holdId],
      )
    ).rows[0];
  },
  /** Pickups due at some hubs of these SKUs, per slot and SKU, in slot order. */
  async listPickupsDue(db: Queryable, skuIds: string[], hubIds: string[], now: Date) {
    return (
      await db.query<{
        hub_id: string;
        slot_start: Date;
        slot_end: Date;
        sku_id: string;
        units: number;
        holds: number;
      }>(
        `select hub_id, pickup_slot_start as slot_start, pickup_slot_end as slot_end, sku_id,
           sum(quantity)::int as units, count(*)::int as holds
         from reservation_holds
         where sku_id = any($1::text[]) and hub_id = any($2::text[]) and pickup_slot_start is not null
           and (status = 'confirmed' or (status = 'held' and expires_at > $3))
         group by hub_id, pickup_slot_start, pickup_slot_end, sku_id
         order by pickup_slot_start, hub_id, sku_id`,
        [skuIds, hubIds, now],
      )
    ).rows;
  },
  /** Units of confirmed holds of a SKU. */
  async sumConfirmedUnitsOfSku(db: Queryable, skuId: string): Promise<number> {
    const { rows } = await db.query<{ units: number }>(
      `select coalesce(sum(quantity), 0)::int as units from reservation_holds where sku_id = $1 and status = 'confirmed'`,
      [skuId],
    );
    return rows[0]!.units;
  },
  /** Units of confirmed holds per SKU and region, of these SKUs. */
  async listConfirmedUnitsBySkuRegion(db: Queryable, skuIds: string[]) {
    return (
      await db.query<{ sku_id: string; region_id: string; quantity: number }>(
        `select sku_id, region_id, sum(quantity)::int as quantity from reservation_holds
         where sku_id = any($1::text[]) and status = 'confirmed'
         group by sku_id, region_id order by sku_id, region_id`,
        [skuIds],
      )
    ).rows;
  },

  // Stock at the hubs serving a queue's region (the queue module knows which hubs those are).
  /** The most units of a SKU free at any of these hubs (0 when none holds it). */
  async maxAvailableAt(db: Queryable, skuId: string, hubIds: readonly string[]): Promise<number> {
    const { rows } = await db.query<{ available: number }>(
      `select coalesce(max(hub_stock_available(s)), 0)::int as available
       from hub_stock s where s.sku_id = $1 and s.hub_id = any($2::text[])`,
      [skuId, hubIds],
    );
    return rows[0]!.available;
  },
  /**
   * Locks a SKU's stock rows at these hubs until the transaction ends, in hub order, whatever
   * they have free (a filter on availability would skip, without waiting, a row a concurrent
   * release is still changing): the hubs that hold the SKU.
   */
  async lockStockRowsAt(tx: Queryable, skuId: string, hubIds: readonly string[]): Promise<string[]> {
    const { rows } = await tx.query<{ hub_id: string }>(
      `select s.hub_id from hub_stock s where s.sku_id = $1 and s.hub_id = any($2::text[]) order by s.hub_id for update`,
      [skuId, hubIds],
    );
    return rows.map((r) => r.hub_id);
  },
  /** Locks one hold's row until the transaction ends (holds come before stock rows in every lock order). */
  async lockHold(tx: Queryable, holdId: string): Promise<void> {
    await tx.query('select 1 from reservation_holds where id = $1 for update', [holdId]);
  },
  /** Which of these hub × SKU pairs have units free now, by hub then SKU. */
  async listPairsWithUnitsFree(db: Queryable, pairs: readonly { hubId: string; skuId: string }[]) {
    if (pairs.length === 0) return [];
    const { rows } = await db.query<{ hub_id: string; sku_id: string }>(
      `select s.hub_id, s.sku_id from hub_stock s
       join unnest($1::text[], $2::text[]) as p(hub_id, sku_id) on s.hub_id = p.hub_id and s.sku_id = p.sku_id
       where hub_stock_available(s) > 0 order by 1, 2`,
      [pairs.map((p) => p.hubId), pairs.map((p) => p.skuId)],
    );
    return rows.map((r) => ({ hubId: r.hub_id, skuId: r.sku_id }));
  },
  /** Units back on sale at a hub (a signed adjustment of the ledger; the triggers offer them to the queue). */
  async addAdjustment(db: Queryable, hubId: string, skuId: string, units: number, now: Date) {
    await db.query(
      `insert into hub_stock (hub_id, sku_id, adjusted, updated_at) values ($1, $2, $3, $4)
       on conflict (hub_id, sku_id) do update set adjusted = hub_stock.adjusted + excluded.adjusted, updated_at = excluded.updated_at`,
      [hubId, skuId, units, now],
    );
  },

  /** What hubs reported of SKUs: units received and the signed adjustments (for the post-drop report). */
  async listReceivedStock(db: Queryable, skuIds: string[]) {
    return (
      await db.query<{ hub_id: string; sku_id: string; received: number; adjusted: number }>(
        'select hub_id, sku_id, received, adjusted from hub_stock where sku_id = any($1::text[]) order by hub_id, sku_id',
        [skuIds],
      )
    ).rows;
  },
};
