/**
 * What other modules read of stored forecasts, as exported functions: they never import the
 * forecast repository. Reads only, on whatever connection or transaction the caller holds.
 */
import type { Queryable } from '../../db/database';
import { forecastRepository } from './forecast.repository';

export interface ForecastHead {
  id: string;
  drop_id: string;
  version: number;
  prior_only: boolean;
}

export const forecastReaders = {
  /** The drop's latest forecast (highest version), or undefined. */
  async latestOf(db: Queryable, dropId: string): Promise<ForecastHead | undefined> {
    const row = await forecastRepository.findLatestForecastOfDrop(db, dropId);
    return row ? { id: row.id, drop_id: row.drop_id, version: row.version, prior_only: row.prior_only } : undefined;
  },
  /** A forecast's cells as the planner takes them (mean and NB dispersion), by SKU then region. */
  async cellsOf(db: Queryable, forecastId: string) {
    const rows = await forecastRepository.listCells(db, forecastId, { regionId: null, skuId: null });
    return rows
      .map((r) => ({ sku_id: r.sku_id, region_id: r.region_id, mean: r.mean, dispersion: r.dispersion }))
      .sort((a, b) => (a.sku_id === b.sku_id ? (a.region_id < b.region_id ? -1 : 1) : a.sku_id < b.sku_id ? -1 : 1));
  },
};
