import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type PageRequest } from '../../http/pagination';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { CatalogService } from '../catalog';
import { buildFeatureRows, FEATURE_NAMES } from './core/features';
import { QUANTILE_LEVELS, type DemandDistribution, type FeatureRow, type SkuInfo } from './core/forecast-types';
import type { HistoryPopulation } from './core/nb-mlp-model';
import type { DemandHistoryService } from './demand-history.service';
import type { DropRecord, DropSignalsReader } from './drop-signals';
import { forecastRepository as repo, type ForecastCellRow, type ForecastRow } from './forecast.repository';
import type { ForecastCellFilter } from './forecast.schemas';
import type { ModelRegistryService, ResolvedModel } from './model-registry.service';
import { dispersionFromParams, dispersionFromQuantiles } from './nb-dispersion';

/**
 * Serving forecasts: builds a drop's signal snapshot as of an instant (now, or the request's
 * `as_of`: later signals ignored, lead counted from it), computes the features with the one
 * feature function over the serving model's own history population, runs the model (the
 * registry's default, or the one the request names) and stores the forecast versioned per drop
 * with the model, the lead time and every cell's feature values, in one transaction.
 *
 * The learning loop (closed drops → history) is demand-history.service.ts; models, training and
 * the default are model-registry.service.ts.
 */
export interface ForecastServiceOptions {
  catalog: CatalogService;
  clock: Clock;
  logger: Logger;
  reader: DropSignalsReader;
  history: DemandHistoryService;
  registry: ModelRegistryService;
}

export interface ForecastRunOptions {
  asOf?: Date;
  /** `baseline`, `default` or a model id (default: the registry's default) */
  model?: string;
}

const round = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : 0);

/** Quantiles as the contract promises them: finite, ≥ 0, non-decreasing (a guard; the core already does this). */
function cleanQuantiles(qs: readonly number[]): number[] {
  const out: number[] = [];
  for (const q of qs) out.push(Math.max(out.at(-1) ?? 0, Number.isFinite(q) ? Math.max(0, q) : 0));
  return out;
}

const iso = (d: Date) => new Date(d).toISOString();

export const toForecastVersion = (row: ForecastRow): Schemas['ForecastVersion'] => ({
  id: row.id,
  drop_id: row.drop_id,
  version: row.version,
  model_id: row.model_id,
  model_kind: row.model_kind,
  prior_only: row.prior_only,
  lead_days: row.lead_days,
  as_of: iso(row.as_of),
  created_at: iso(row.created_at),
  quantile_levels: [...QUANTILE_LEVELS],
  summary: row.summary as Schemas['ForecastSummary'],
});

export const toForecastCell = (cell: ForecastCellRow): Schemas['ForecastCell'] => ({
  sku_id: cell.sku_id,
  region_id: cell.region_id,
  mean: cell.mean,
  dispersion: cell.dispersion,
  quantiles: cell.quantiles.map(Number),
  features: cell.features,
});

export function createForecastService(db: Database, options: ForecastServiceOptions) {
  const { catalog, clock, logger, reader, history, registry } = options;

  function requireSkus(drop: DropRecord, skus: SkuInfo[]) {
    if (skus.length === 0) {
      throw new AppError(
        'unprocessable',
        `Drop '${drop.id}' has no SKUs to forecast; add one with PUT /v1/drops/${drop.id}/skus/{skuId}`,
        { extensions: { reason: 'no_skus' } },
      );
    }
  }

  function predict(
    resolved: ResolvedModel,
    rows: FeatureRow[],
  ): { distribution: DemandDistribution; dispersion: number }[] {
    if (resolved.nb) {
      const params = resolved.nb.predictParams(rows);
      const distributions = resolved.nb.predict(rows);
      return rows.map((row, i) => ({
        distribution: distributions[i]!,
        dispersion: dispersionFromParams(row.preorders, params[i]!.mu, params[i]!.alpha),
      }));
    }
    return resolved.model
      .predict(rows)
      .map((distribution) => ({ distribution, dispersion: dispersionFromQuantiles(distribution) }));
  }

  /** The features of a drop as the serving model sees them at `asOf` (also what the consistency test compares). */
  async function featuresAt(drop: DropRecord, asOf: Date, resolved: Pick<ResolvedModel, 'population'>) {
    const skus = await reader.skusOf(drop.id);
    requireSkus(drop, skus);
    const regionIds = await reader.regionsOf(drop);
    if (regionIds.length === 0) {
      throw new AppError('unprocessable', 'No region to forecast: the catalog has no regions', {
        extensions: { reason: 'no_regions' },
      });
    }
    const { snapshot, hasSignals } = await reader.snapshotAt(drop, skus, regionIds, asOf);
    const population = await history.population(resolved.population);
    const stats = population.index.statsAsOf(drop.creator_id, asOf.getTime(), drop.id);
    return { skus, regionIds, snapshot, hasSignals, stats, rows: buildFeatureRows(snapshot, stats) };
  }

  async function forecastDrop(drop: DropRecord, runOptions: ForecastRunOptions = {}): Promise<Schemas['Forecast']> {
    const now = clock.now();
    const asOf = runOptions.asOf ?? now;
    if (asOf.getTime() > now.getTime()) {
      throw new AppError('validation_failed', 'as_of cannot be in the future', {
        errors: [{ path: 'as_of', message: `must not be after now (${now.toISOString()})` }],
      });
    }
    const resolved = await registry.resolve(runOptions.model, asOf);
    const { skus, regionIds, snapshot, hasSignals, stats, rows } = await featuresAt(drop, asOf, resolved);
    const predicted = predict(resolved, rows);
    const cells: ForecastCellRow[] = rows.map((row, i) => ({
      sku_id: row.skuId,
      region_id: row.regionId,
      mean: round(Math.max(0, predicted[i]!.distribution.mean)),
      dispersion: predicted[i]!.dispersion,
      quantiles: cleanQuantiles(predicted[i]!.distribution.quantiles),
      features: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, round(row.values[j]!)])),
    }));
    const summary: Schemas['ForecastSummary'] = {
      cells: cells.length,
      skus: skus.length,
      regions: regionIds.length,
      total_mean: round(cells.reduce((a, c) => a + c.mean, 0)),
      preorders: rows.reduce((a, r) => a + r.preorders, 0),
      model_role: resolved.role,
      model_dir: resolved.modelDirShown,
      fallback_reason: resolved.fallbackReason ?? null,
      creator_past_drops: stats.creatorDrops,
    };
    const saved = await db.transaction(async (tx) => {
      // Versions are max + 1 under the drop's row lock: one forecast run of a drop at a time.
      await catalog.lockDrop(tx, drop.id);
      const version = await repo.nextVersion(tx, drop.id);
      const row = await repo.insertForecast(tx, {
        id: `fc_${randomUUID().replaceAll('-', '')}`,
        drop_id: drop.id,
        version,
        model_id: resolved.model.kind === 'baseline' ? 'baseline' : resolved.model.id,
        model_kind: resolved.model.kind,
        prior_only: !hasSignals,
        lead_days: snapshot.daysToOpen,
        as_of: asOf,
        summary,
      });
      await repo.insertCells(tx, row.id, cells);
      return row;
    });
    logger.info(
      { dropId: drop.id, forecastId: saved.id, version: saved.version, model: saved.model_id, cells: cells.length },
      'forecast stored',
    );
    return { ...toForecastVersion(saved), cells: cells.map(toForecastCell) };
  }

  async function visibleForecast(principal: Principal, forecastId: string): Promise<ForecastRow> {
    const row = await repo.findForecast(db, forecastId);
    if (!row) throw notFound('forecast', forecastId);
    try {
      await catalog.visibleDrop(principal, row.drop_id);
    } catch {
      throw notFound('forecast', forecastId);
    }
    return row;
  }

  async function withCells(row: ForecastRow, filter: ForecastCellFilter): Promise<Schemas['Forecast']> {
    const cells = await repo.listCells(db, row.id, {
      regionId: filter.region_id ?? null,
      skuId: filter.sku_id ?? null,
    });
    return { ...toForecastVersion(row), cells: cells.map(toForecastCell) };
  }

  return {
    /** POST /v1/drops/{dropId}/forecasts */
    /** 404 unless the key may forecast this drop (before queuing the work). */
    async checkDrop(principal: Principal, dropId: string): Promise<void> {
      await catalog.visibleDrop(principal, dropId);
    },
    async runForecast(principal: Principal, dropId: string, runOptions: ForecastRunOptions = {}) {
      return forecastDrop(await catalog.visibleDrop(principal, dropId), runOptions);
    },
    async listForecasts(principal: Principal, dropId: string, page: PageRequest) {
      await catalog.visibleDrop(principal, dropId);
      return pageOf(
        await repo.listForecastsOfDrop(db, dropId, page),
        page,
        (r) => [String(r.version)],
        toForecastVersion,
      );
    },
    async getLatestForecast(principal: Principal, dropId: string, filter: ForecastCellFilter = {}) {
      await catalog.visibleDrop(principal, dropId);
      const row = await repo.findLatestForecastOfDrop(db, dropId);
      if (!row)
        throw new AppError(
          'not_found',
          `Drop '${dropId}' has no forecast yet; run one with POST /v1/drops/${dropId}/forecasts`,
        );
      return withCells(row, filter);
    },
    async getForecast(principal: Principal, forecastId: string, filter: ForecastCellFilter = {}) {
      return withCells(await visibleForecast(principal, forecastId), filter);
    },

    /**
     * The latest forecast of a drop with its cells, for other modules (allocation, delivery, reports)
     * that today read forecast_cells directly: null when the drop has none.
     */
    async latestForecastCells(dropId: string): Promise<Schemas['Forecast'] | null> {
      const row = await repo.findLatestForecastOfDrop(db, dropId);
      return row ? withCells(row, {}) : null;
    },

    /** The drop's signal snapshot as of an instant (default: now), as the model sees it. */
    async buildDropSnapshot(dropId: string, asOf: Date = clock.now()) {
      const drop = await reader.drop(dropId);
      const skus = await reader.skusOf(dropId);
      return reader.snapshotAt(drop, skus, await reader.regionsOf(drop), asOf);
    },

    /**
     * The feature rows a forecast of the drop at `asOf` computes for a model whose history
     * population is `population` (nothing stored): the serving half of the train/serve check.
     */
    async featureRowsAt(dropId: string, asOf: Date, population: HistoryPopulation) {
      return (await featuresAt(await reader.drop(dropId), asOf, { population })).rows;
    },

    /** The refresh job's work: a new forecast version for every scheduled or live drop still open. */
    async refreshOpenDrops(signal?: AbortSignal) {
      const ids = await catalog.openDropIdsByOpening(clock.now());
      const result = { drops: ids.length, forecasts: 0, skipped: 0, failed: 0 };
      for (const id of ids) {
        if (signal?.aborted) break;
        try {
          await forecastDrop(await reader.drop(id));
          result.forecasts++;
        } catch (error) {
          if (error instanceof AppError && error.code === 'unprocessable') result.skipped++;
          else {
            result.failed++;
            logger.error({ err: error, dropId: id }, 'forecast refresh failed for a drop');
          }
        }
      }
      return result;
    },
  };
}

export type ForecastService = ReturnType<typeof createForecastService>;
