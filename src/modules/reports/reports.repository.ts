import type { Queryable } from '../../db/database';

/**
 * The reports themselves; what a report is built from (the drop, its realised orders, hubs, the
 * plan, the forecast, the hubs' receipts) comes from the modules that own it (reports.service.ts).
 */
export const reportsRepository = {
  /** Which of these drops have a report already. */
  async reportedAmong(db: Queryable, dropIds: string[]): Promise<string[]> {
    if (dropIds.length === 0) return [];
    return (
      await db.query<{ drop_id: string }>('select drop_id from drop_reports where drop_id = any($1::text[])', [dropIds])
    ).rows.map((r) => r.drop_id);
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
