import type { Queryable } from '../../db/database';
import { forecastRepository as repo, type ForecastCellRow } from './forecast.repository';

/**
 * What other modules read of forecasts (delivery's preview, the post-drop report). The forecast
 * tables are the forecast module's: other modules ask this reader, never their own SQL.
 */
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
