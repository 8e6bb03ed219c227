import type { Queryable } from '../../db/database';
import { forecastRepository as repo, type ForecastCellRow } from './forecast.repository';

// What other modules read of forecasts. The forecast tables are the forecast module's: other
// modules use these readers, never their own SQL and never the forecast repository.
// `forecastReaders` read on the caller's connection or transaction (the planner, inside its own
// transaction); `createForecastReader` is the same kind of read bound to the service's database.

export interface ForecastHead {
  id: string;
  drop_id: string;
  version: number;
  prior_only: boolean;
}

export const forecastReaders = {
  /** The drop's latest forecast (highest version), or undefined. */
  async latestOf(db: Queryable, dropId: string): Promise<ForecastHead | undefined> {
    const row = await repo.findLatestForecastOfDrop(db, dropId);
    return row ? { id: row.id, drop_id: row.drop_id, version: row.version, prior_only: row.prior_only } : undefined;
  },
  /** A forecast's cells as the planner takes them (mean and NB dispersion), by SKU then region. */
  async cellsOf(db: Queryable, forecastId: string) {
    // Only what the planner uses: reading quantiles and features of 50,000 cells would cost the
    // serving thread far more than the plan's own data.
    const rows = await repo.listCellMeans(db, forecastId);
    return rows.sort((a, b) =>
      a.sku_id === b.sku_id ? (a.region_id < b.region_id ? -1 : 1) : a.sku_id < b.sku_id ? -1 : 1,
    );
  },
};

/** Bound to the service's database: delivery's preview and the post-drop report. */
export function createForecastReader(db: Queryable) {
  const allCells = { regionId: null, skuId: null };
  return {
    /** The drop's latest forecast and its cells (none when it has no forecast). */
    async latest(dropId: string): Promise<{ forecastId: string | undefined; cells: ForecastCellRow[] }> {
      const forecast = await repo.findLatestForecastOfDrop(db, dropId);
      if (!forecast) return { forecastId: undefined, cells: [] };
      return { forecastId: forecast.id, cells: await repo.listCells(db, forecast.id, allCells) };
    },
    /** The last forecast made by the drop's opening (else its first one) and its cells. */
    async lastBeforeOpening(
      dropId: string,
      opensAt: Date,
    ): Promise<{ forecastId: string | undefined; cells: ForecastCellRow[] }> {
      const forecast = await repo.findLastForecastAsOf(db, dropId, opensAt);
      if (!forecast) return { forecastId: undefined, cells: [] };
      return { forecastId: forecast.id, cells: await repo.listCells(db, forecast.id, allCells) };
    },
  };
}

export type ForecastReader = ReturnType<typeof createForecastReader>;
