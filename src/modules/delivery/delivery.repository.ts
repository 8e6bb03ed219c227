import type { Queryable } from '../../db/database';

/** Delivery SQL: the catalog slice estimates need, live stock, holds, and preview reads. */
export interface SnapshotRegionRow {
  id: string;
  time_zone: string;
  weekend_days: number[];
}
export interface SnapshotHubRow {
  id: string;
  time_zone: string;
  order_cutoff_local: string;
  handling_days: number;
  lanes: { region_id: string; transit_days_min: number; transit_days_max: number }[];
}
export interface SnapshotSkuRow {
  id: string;
  drop_id: string;
  creator_id: string;
  promise_business_days: number;
  drop_status: string;
  published_plan_id: string | null;
  baseline: { region_id: string; handling_days: number; transit_days_min: number; transit_days_max: number }[];
}
export interface StockRow {
  hub_id: string;
  sku_id: string;
  on_hand: number;
  reserved: number;
  held: number;
  available: number;
}

/**
 * Available = on hand − reserved − held. `held` is the running counter of active holds; holds past
 * their expiry leave it lazily (at the next hold on that hub and SKU, or the sweep job every 30 s).
 */
const stockSelect = `
  select s.hub_id, s.sku_id,
    (case when s.received > 0 then s.received else s.planned end) + s.adjusted - s.shipped as on_hand,
    greatest(s.reserved_events, 0) + s.confirmed as reserved,
    s.held,
    (case when s.received > 0 then s.received else s.planned end) + s.adjusted - s.shipped
      - greatest(s.reserved_events, 0) - s.confirmed - s.held as available
  from hub_stock s`;

export const deliveryRepository = {
  async loadRegions(db: Queryable) {
    return (await db.query<SnapshotRegionRow>('select id, time_zone, weekend_days from regions')).rows;
  },
  async loadPostalPrefixes(db: Queryable) {
    return (
      await db.query<{ prefix: string; region_id: string }>('select prefix, region_id from region_postal_prefixes')
    ).rows;
  },
  async loadHubs(db: Queryable) {
    return (
      await db.query<SnapshotHubRow>(`
        select h.id, h.time_zone, h.order_cutoff_local, h.handling_days,
          coalesce((select json_agg(json_build_object('region_id', l.region_id, 'transit_days_min', l.transit_days_min,
            'transit_days_max', l.transit_days_max) order by l.position) from hub_lanes l where l.hub_id = h.id), '[]') as lanes
        from hubs h`)
    ).rows;
  },
  async loadSkus(db: Queryable) {
    return (
      await db.query<SnapshotSkuRow>(`
        select s.id, s.drop_id, d.creator_id, d.promise_business_days, d.status as drop_status,
          (select p.id from plans p where p.drop_id = d.id and p.status = 'published') as published_plan_id,
          coalesce((select json_agg(json_build_object('region_id', b.region_id, 'handling_days', b.handling_days,
            'transit_days_min', b.transit_days_min, 'transit_days_max', b.transit_days_max))
            from drop_baseline_paths b where b.drop_id = d.id), '[]') as baseline
        from skus s join drops d on d.id = s.drop_id`)
    ).rows;
  },
  async loadStock(db: Queryable) {
    return (await db.query<StockRow>(stockSelect)).rows;
  },
  async listStockForSkus(db: Queryable, skuIds: string[]) {
    return (
      await db.query<StockRow>(`${stockSelect} where s.sku_id = any($1::text[]) order by s.hub_id, s.sku_id`, [skuIds])
    ).rows;
  },

  /**
   * One statement: expire this hub/SKU's due holds, then take `quantity` only if enough stays
   * available. The UPDATE's row lock on hub_stock serialises concurrent holds: no oversell.
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
    },
  ): Promise<{ id: string; expires_at: Date } | undefined> {
    // One statement, one round trip, its own transaction. `async_commit` turns synchronous_commit off
    // for this transaction only: the hub_stock row lock is released without waiting for the WAL
    // flush, which is what bounds holds per second on one hot SKU. A crash can lose the last few
    // milliseconds of holds — a lost hold frees stock (it never oversells); the storefront's confirm
    // then answers 409 and it holds again.
    const { rows } = await db.query<{ id: string; expires_at: Date }>(
      `with async_commit as (select set_config('synchronous_commit', 'off', true)),
       expired as (
         update reservation_holds set status = 'expired', ended_at = $7
         where hub_id = $2 and sku_id = $3 and status = 'held' and expires_at <= $7
         returning quantity
       ), freed as (select coalesce(sum(quantity), 0)::int as units from expired),
       taken as (
         update hub_stock s set held = s.held - (select units from freed) + $5, updated_at = $7
         where s.hub_id = $2 and s.sku_id = $3
           and (case when s.received > 0 then s.received else s.planned end) + s.adjusted - s.shipped
               - greatest(s.reserved_events, 0) - s.confirmed - (s.held - (select units from freed)) >= $5
         returning s.hub_id
       )
       insert into reservation_holds (id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at)
       select $1, $2, $3, $4, $5, $6, 'held', $7, $8 from taken cross join async_commit
       returning id, expires_at`,
      [hold.id, hold.hubId, hold.skuId, hold.regionId, hold.quantity, hold.creatorId, hold.now, hold.expiresAt],
    );
    return rows[0];
  },

  async findHold(db: Queryable, id: string) {
    return (
      await db.query<{
        id: string;
        hub_id: string;
        sku_id: string;
        region_id: string;
        quantity: number;
        creator_id: string;
        status: string;
        created_at: Date;
        expires_at: Date;
        ended_at: Date | null;
      }>(
        'select id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at, ended_at from reservation_holds where id = $1',
        [id],
      )
    ).rows[0];
  },

  /** Ends an active hold as confirmed or released; confirmed units move from held to reserved. */
  async endHold(db: Queryable, id: string, outcome: 'confirmed' | 'released', now: Date) {
    const { rows } = await db.query<{ id: string }>(
      `with ended as (
         update reservation_holds set status = $2, ended_at = $3
         where id = $1 and status = 'held' and expires_at > $3
         returning hub_id, sku_id, quantity
       )
       update hub_stock s set held = s.held - e.quantity,
         confirmed = s.confirmed + case when $2 = 'confirmed' then e.quantity else 0 end, updated_at = $3
       from ended e where s.hub_id = e.hub_id and s.sku_id = e.sku_id
       returning s.hub_id as id`,
      [id, outcome, now],
    );
    return rows.length > 0;
  },

  /** Frees the stock of every hold past its expiry (the sweep job; holds also expire lazily). */
  async expireDueHolds(db: Queryable, now: Date): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `with expired as (
         update reservation_holds set status = 'expired', ended_at = $1
         where status = 'held' and expires_at <= $1
         returning hub_id, sku_id, quantity
       ), per_stock as (
         select hub_id, sku_id, sum(quantity)::int as units from expired group by hub_id, sku_id
       ), freed as (
         update hub_stock s set held = s.held - p.units, updated_at = $1
         from per_stock p where s.hub_id = p.hub_id and s.sku_id = p.sku_id
         returning p.units
       )
       select coalesce(sum(units), 0)::int as n from freed`,
      [now],
    );
    return rows[0]?.n ?? 0;
  },

  async latestForecastCells(db: Queryable, dropId: string) {
    return (
      await db.query<{ forecast_id: string; sku_id: string; region_id: string; mean: number; quantiles: number[] }>(
        `select c.forecast_id, c.sku_id, c.region_id, c.mean, c.quantiles
         from forecast_cells c
         where c.forecast_id = (select id from forecasts where drop_id = $1 order by version desc limit 1)`,
        [dropId],
      )
    ).rows;
  },

  /** The published plan, else (for creators previewing before publishing) the newest draft. */
  async previewPlan(db: Queryable, dropId: string, publishedOnly: boolean) {
    return (
      await db.query<{ id: string; status: string; version: number }>(
        `select id, status, version from plans
         where drop_id = $1 and (status = 'published' or (not $2 and status = 'draft'))
         order by (status = 'published') desc, version desc limit 1`,
        [dropId, publishedOnly],
      )
    ).rows[0];
  },

  async planRegions(db: Queryable, planId: string) {
    return (
      await db.query<{
        region_id: string;
        sku_id: string;
        serving_hub_id: string | null;
        in_stock_probability: number;
        delivery_days_p50: number | null;
        delivery_days_p90: number | null;
        baseline_days: number | null;
        lead_time_delta_days: number | null;
        lead_time_delta_days_p90: number | null;
      }>(
        `select region_id, sku_id, serving_hub_id, in_stock_probability, delivery_days_p50, delivery_days_p90, baseline_days,
           lead_time_delta_days, lead_time_delta_days_p90
         from plan_regions where plan_id = $1 order by region_id, sku_id`,
        [planId],
      )
    ).rows;
  },

  async planAllocations(db: Queryable, planId: string) {
    return (
      await db.query<{ sku_id: string; hub_id: string; units: number }>(
        'select sku_id, hub_id, units from plan_allocations where plan_id = $1',
        [planId],
      )
    ).rows;
  },
};
