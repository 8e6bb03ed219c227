import type { Queryable } from '../../db/database';

/** What a post-drop report reads: the drop's realised orders, its published plan, its last forecast. */
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
  /** The plan in force at close: the published one (or the one superseded last, if none is published). */
  async planInForce(db: Queryable, dropId: string) {
    return (
      await db.query<{ id: string; sku_issues: { sku_id: string; reason: string }[] }>(
        `select id, sku_issues from plans where drop_id = $1 and status in ('published', 'superseded')
         order by (status = 'published') desc, version desc limit 1`,
        [dropId],
      )
    ).rows[0];
  },
  /** Units at hubs for the drop's SKUs: planned allocation, replaced by receipts, plus adjustments. */
  async stockAtOpening(db: Queryable, planId: string) {
    return (
      await db.query<{ sku_id: string; hub_id: string; units: number }>(
        `select a.sku_id, a.hub_id,
           greatest(0, coalesce(nullif(s.received, 0), a.units) + coalesce(s.adjusted, 0))::int as units
         from plan_allocations a left join hub_stock s on s.hub_id = a.hub_id and s.sku_id = a.sku_id
         where a.plan_id = $1`,
        [planId],
      )
    ).rows;
  },
  async planRegions(db: Queryable, planId: string) {
    return (await db.query<{ sku_id: string; region_id: string; serving_hub_id: string | null; lead_time_delta_days: number | null }>('select sku_id, region_id, serving_hub_id, lead_time_delta_days from plan_regions where plan_id = $1', [planId])).rows;
  },
  async supplierOrders(db: Queryable, planId: string) {
    return (
      await db.query<{ supplier_id: string; sku_id: string; quantity: number; destination_hub_id: string; is_fallback: boolean; reason: string; premium: number }>(
        'select supplier_id, sku_id, quantity, destination_hub_id, is_fallback, reason, premium from plan_supplier_orders where plan_id = $1 order by line_no',
        [planId],
      )
    ).rows;
  },
  async lastForecastBeforeOpening(db: Queryable, dropId: string, opensAt: Date) {
    const { rows } = await db.query<{ id: string }>(
      `select id from forecasts where drop_id = $1 order by (as_of <= $2) desc, version desc limit 1`,
      [dropId, opensAt],
    );
    const forecastId = rows[0]?.id;
    if (!forecastId) return { forecastId: undefined, cells: [] };
    const cells = await db.query<{ sku_id: string; region_id: string; mean: number; quantiles: number[] }>('select sku_id, region_id, mean, quantiles from forecast_cells where forecast_id = $1', [forecastId]);
    return { forecastId, cells: cells.rows };
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
  async markDropClosed(db: Queryable, dropId: string) {
    await db.query(`update drops set status = 'closed', updated_at = now() where id = $1 and status <> 'closed'`, [dropId]);
  },
  async findReport(db: Queryable, dropId: string) {
    return (await db.query<{ drop_id: string; plan_id: string | null; forecast_id: string | null; report: Record<string, unknown>; created_at: Date }>('select drop_id, plan_id, forecast_id, report, created_at from drop_reports where drop_id = $1', [dropId])).rows[0];
  },
};
