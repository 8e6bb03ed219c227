import type { Queryable } from '../../db/database';

/**
 * What a post-drop report reads itself: the drop, its realised orders, hubs and baseline; the plan,
 * the forecast and the hubs' receipts come from the modules that own them (reports.service.ts).
 */
export const reportsRepository = {
  /** Drops past their close that have no report yet (the job's work list). */
  async findDropsDueForReport(db: Queryable, now: Date) {
    const { rows } = await db.query<{ id: string }>(
      `select d.id from drops d where d.closes_at <= $1 and d.status <> 'draft'
         and not exists (select 1 from drop_reports r where r.drop_id = d.id)
       order by d.closes_at, d.id limit 50`,
      [now],
    );
    return rows.map((r) => r.id);
  },
  async findDrop(db: Queryable, dropId: string) {
    return (
      await db.query<{ id: string; opens_at: Date; closes_at: Date; promise_business_days: number }>(
        'select id, opens_at, closes_at, promise_business_days from drops where id = $1',
        [dropId],
      )
    ).rows[0];
  },
  /** Realised demand: placed (not cancelled) pre-orders of the drop placed before it closed. */
  async realisedOrders(db: Queryable, dropId: string, closesAt: Date) {
    return (
      await db.query<{ sku_id: string; region_id: string; quantity: number; placed_at: Date }>(
        `select sku_id, region_id, quantity, placed_at from preorders
         where drop_id = $1 and status = 'placed' and placed_at <= $2 order by placed_at, id`,
        [dropId, closesAt],
      )
    ).rows;
  },
  /** Units each tier's buyers hold (not past expiry) or bought, reserve units or not (hold claims, migration 0020). */
  async unitsTakenByTier(db: Queryable, dropId: string, now: Date) {
    return (
      await db.query<{ tier: string; units: number }>(
        `select c.tier, sum(c.quantity)::int as units
         from hold_access_claims c join reservation_holds h on h.id = c.hold_id
         where c.drop_id = $1 and c.tier is not null
           and (h.status = 'confirmed' or (h.status = 'held' and h.expires_at > $2))
         group by c.tier`,
        [dropId, now],
      )
    ).rows;
  },
  async skuIdsOfDrop(db: Queryable, dropId: string) {
    return (await db.query<{ id: string }>('select id from skus where drop_id = $1 order by id', [dropId])).rows.map((r) => r.id);
  },
  async hubsWithLanes(db: Queryable) {
    return (
      await db.query<{ id: string; handling_days: number; capacity_units: number; lanes: { region_id: string; transit_days_min: number; transit_days_max: number }[] }>(
        `select h.id, h.handling_days, h.capacity_units,
           coalesce((select json_agg(json_build_object('region_id', l.region_id, 'transit_days_min', l.transit_days_min,
             'transit_days_max', l.transit_days_max) order by l.position) from hub_lanes l where l.hub_id = h.id), '[]') as lanes
         from hubs h order by h.id`,
      )
    ).rows;
  },
  async baselinePaths(db: Queryable, dropId: string) {
    return (await db.query<{ region_id: string; handling_days: number; transit_days_min: number; transit_days_max: number }>('select region_id, handling_days, transit_days_min, transit_days_max from drop_baseline_paths where drop_id = $1', [dropId])).rows;
  },
  async insertReport(db: Queryable, row: { dropId: string; planId: string | null; forecastId: string | null; report: unknown }) {
    await db.query(
      `insert into drop_reports (drop_id, plan_id, forecast_id, report) values ($1, $2, $3, $4::jsonb) on conflict (drop_id) do nothing`,
      [row.dropId, row.planId, row.forecastId, JSON.stringify(row.report)],
    );
  },
  async findReport(db: Queryable, dropId: string) {
    return (await db.query<{ drop_id: string; plan_id: string | null; forecast_id: string | null; report: Record<string, unknown>; created_at: Date }>('select drop_id, plan_id, forecast_id, report, created_at from drop_reports where drop_id = $1', [dropId])).rows[0];
  },
};
