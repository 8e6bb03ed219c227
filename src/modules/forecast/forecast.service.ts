import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { catalogRepository, type DropRow } from '../catalog/catalog.repository';
import type { CatalogService } from '../catalog/catalog.service';
import { signalsRepository } from '../signals/signals.repository';
import { createBaselineModel } from './core/baseline-model';
import { buildFeatureRows, FEATURE_NAMES, HistoryIndex } from './core/features';
import {
  LEAD_TIMES,
  QUANTILE_LEVELS,
  type ClosedDrop,
  type DemandDistribution,
  type FeatureRow,
  type SkuInfo,
} from './core/forecast-types';
import { chooseDefaultModel } from './core/model-registry';
import type { SimulatedDrop } from './core/simulate-history';
import { assembleSnapshot, DAY_MS, type AssembledSnapshot } from './drop-snapshot';
import {
  forecastRepository as repo,
  type DemandHistoryInsert,
  type ForecastCellRow,
  type ForecastRow,
} from './forecast.repository';
import type { ForecastCellFilter } from './forecast.schemas';
import { importDemandHistory, type HistoryFormat, type HistoryImportProgress } from './history-import';
import { createModelProvider, type ModelProvider, type ResolvedModel } from './model-provider';
import { dispersionFromParams, dispersionFromQuantiles } from './nb-dispersion';
import { fullTrainer, retrainedModelId, type ModelTrainer } from './retrain';
import {
  combineHistories,
  DEFAULT_PRIOR_HISTORY_PATH,
  readPriorHistory,
  toClosedDrops,
  toSimulatedDrops,
  type CellSnapshots,
} from './training-history';

/**
 * The forecast service: builds a drop's signal snapshot from the database as of the clock's
 * instant, runs the serving model (core), and stores the forecast versioned per drop with the
 * model, the lead time and every cell's feature values, in one transaction. Also the learning loop
 * (closed drop → demand_history), the history import and the two scheduled jobs' work.
 *
 * Regions of a forecast: the drop's market, i.e. the regions of its baseline paths (a drop promises
 * delivery where it has a baseline path) plus any region its signals name; when that is empty, every
 * catalog region. SKUs and regions are ordered by id.
 *
 * History: the shipped simulated history (ids prefixed `sim:` so they never meet real ids) is the
 * prior population, followed by demand_history. It feeds the history features (the creator's past
 * regional shares, pre-order ratios, global shares; only drops closed before the forecast instant)
 * and the baseline fallback.
 */
export interface ForecastServiceOptions {
  catalog: CatalogService;
  clock: Clock;
  logger: Logger;
  /** config.modelsDir: the shipped prior model, retrained models and default-model.json */
  modelsDir: string;
  /** the shipped simulated history (default data/history/simulated-history.json); null: none */
  priorHistoryPath?: string | null;
  /** train + backtest for the nightly retrain (default: the core's full fit and backtest) */
  trainer?: ModelTrainer;
  models?: ModelProvider;
}

export interface ForecastRunOptions {
  asOf?: Date;
}

const SYSTEM: Principal = { keyId: 'system:forecast', role: 'admin' };
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
  const { catalog, clock, logger } = options;
  const models = options.models ?? createModelProvider({ modelsDir: options.modelsDir, logger });
  const trainer = options.trainer ?? fullTrainer;
  const priorHistoryPath =
    options.priorHistoryPath === undefined ? DEFAULT_PRIOR_HISTORY_PATH : options.priorHistoryPath;

  let prior: Promise<SimulatedDrop[]> | undefined;
  function priorDrops(): Promise<SimulatedDrop[]> {
    prior ??= (async () => {
      if (!priorHistoryPath) return [];
      try {
        const history = await readPriorHistory(priorHistoryPath);
        return history.drops.map((d) => ({ ...d, id: `sim:${d.id}`, creatorId: `sim:${d.creatorId}` }));
      } catch (error) {
        logger.warn(
          { path: priorHistoryPath, err: (error as Error).message },
          'no prior (simulated) history: history features use demand_history alone',
        );
        return [];
      }
    })();
    return prior;
  }

  let history: { stamp: string; closed: ClosedDrop[]; index: HistoryIndex } | undefined;
  async function currentHistory() {
    const stamp = await repo.demandHistoryStamp(db);
    if (history?.stamp !== stamp) {
      const closed: ClosedDrop[] = [...(await priorDrops()), ...toClosedDrops(await repo.listDemandHistory(db))];
      history = { stamp, closed, index: new HistoryIndex(closed) };
    }
    return history;
  }

  async function skusOf(q: Queryable, dropId: string): Promise<SkuInfo[]> {
    return (await catalogRepository.listSkus(q, dropId)).map((s) => ({ id: s.id, price: Number(s.price) }));
  }

  async function regionsOf(q: Queryable, dropId: string): Promise<string[]> {
    const market = await repo.listMarketRegionIds(q, dropId);
    return market.length > 0 ? market : repo.listRegionIds(q);
  }

  function requireSkus(drop: DropRow, skus: SkuInfo[]) {
    if (skus.length === 0) {
      throw new AppError(
        'unprocessable',
        `Drop '${drop.id}' has no SKUs to forecast; add one with PUT /v1/drops/${drop.id}/skus/{skuId}`,
        {
          extensions: { reason: 'no_skus' },
        },
      );
    }
  }

  /** The drop's signals as they stood at `asOf` (at or before it), per region of its market. */
  async function snapshotAt(
    q: Queryable,
    drop: DropRow,
    skus: SkuInfo[],
    regionIds: string[],
    asOf: Date,
  ): Promise<AssembledSnapshot> {
    // The signals repository's windows are half-open [from, to): one millisecond past as-of includes it.
    const filter = {
      dropId: drop.id,
      bucket: 'day' as const,
      regionId: null,
      from: null,
      to: new Date(asOf.getTime() + 1).toISOString(),
    };
    const [social, tokenHolders, preorders] = await Promise.all([
      signalsRepository.summariseSocialSignals(q, filter),
      signalsRepository.latestTokenHolderSnapshots(q, filter),
      repo.sumPreordersAsOf(q, drop.id, asOf),
    ]);
    return assembleSnapshot({
      dropId: drop.id,
      creatorId: drop.creator_id,
      opensAt: new Date(drop.opens_at),
      asOf,
      skus,
      regionIds,
      social,
      tokenHolders,
      preorders,
    });
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

  async function forecastDrop(drop: DropRow, runOptions: ForecastRunOptions = {}): Promise<Schemas['Forecast']> {
    const asOf = runOptions.asOf ?? clock.now();
    const skus = await skusOf(db, drop.id);
    requireSkus(drop, skus);
    const regionIds = await regionsOf(db, drop.id);
    if (regionIds.length === 0) {
      throw new AppError('unprocessable', 'No region to forecast: the catalog has no regions', {
        extensions: { reason: 'no_regions' },
      });
    }
    const { snapshot, hasSignals } = await snapshotAt(db, drop, skus, regionIds, asOf);
    const hist = await currentHistory();
    const stats = hist.index.statsAsOf(drop.creator_id, asOf.getTime(), drop.id);
    const rows = buildFeatureRows(snapshot, stats);
    const role = stats.creatorDrops === 0 ? 'prior' : 'default';
    const resolved = await models.resolve(role, () => createBaselineModel(hist.closed, { asOfMs: asOf.getTime() }));
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
      model_role: role,
      model_dir: resolved.modelDirShown,
      fallback_reason: resolved.fallbackReason ?? null,
      creator_past_drops: stats.creatorDrops,
    };
    const saved = await db.transaction(async (tx) => {
      await repo.lockDrop(tx, drop.id);
      const version = await repo.nextVersion(tx, drop.id);
      const row = await repo.insertForecast(tx, {
        id: `fc_${randomUUID().replaceAll('-', '')}`,
        drop_id: drop.id,
        version,
        model_id: resolved.model.id,
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
      {
        dropId: drop.id,
        forecastId: saved.id,
        version: saved.version,
        model: saved.model_id,
        priorOnly: saved.prior_only,
        cells: cells.length,
      },
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

  /** Raw signals of every cell at each lead time before opening (the learning loop's snapshots). */
  async function leadSnapshots(
    drop: DropRow,
    skus: SkuInfo[],
    regionIds: string[],
  ): Promise<Map<string, CellSnapshots>> {
    const out = new Map<string, CellSnapshots>();
    for (const L of LEAD_TIMES) {
      const asOf = new Date(new Date(drop.opens_at).getTime() - L * DAY_MS);
      const { snapshot } = await snapshotAt(db, drop, skus, regionIds, asOf);
      for (const region of snapshot.regions) {
        skus.forEach((sku, k) => {
          const key = `${sku.id}\u0000${region.regionId}`;
          const cell = out.get(key) ?? {};
          cell[String(L)] = {
            preorders: region.preorders[k]!,
            velocity: region.velocity[k]!,
            token_holders: region.tokenHolders,
            social: region.social,
          };
          out.set(key, cell);
        });
      }
    }
    return out;
  }

  return {
    models,

    /** POST /v1/drops/{dropId}/forecasts */
    async runForecast(principal: Principal, dropId: string, runOptions: ForecastRunOptions = {}) {
      return forecastDrop(await catalog.visibleDrop(principal, dropId), runOptions);
    },
    async listForecasts(principal: Principal, dropId: string) {
      await catalog.visibleDrop(principal, dropId);
      return (await repo.listForecastsOfDrop(db, dropId)).map(toForecastVersion);
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

    /** The drop's signal snapshot as of an instant (default: now), as the model sees it. */
    async buildDropSnapshot(dropId: string, asOf: Date = clock.now()) {
      const drop = await catalog.visibleDrop(SYSTEM, dropId);
      const skus = await skusOf(db, dropId);
      return snapshotAt(db, drop, skus, await regionsOf(db, dropId), asOf);
    },

    /**
     * The learning loop: a closed drop becomes demand_history rows, one per SKU × region of its
     * market. Realised demand = units of pre-orders still placed (not cancelled) with placed_at up
     * to closes_at: those placed before opening (pre-orders, part of demand) and those placed in
     * [opens_at, closes_at] (the window's orders, recorded in the same table). The signals at 7, 3
     * and 1 days before opening are stored as raw snapshots. Idempotent: re-running replaces the
     * drop's rows. A drop is closed when its status is 'closed' or its window has ended.
     */
    async recordClosedDrop(dropId: string) {
      const drop = await catalog.visibleDrop(SYSTEM, dropId);
      const closesAt = new Date(drop.closes_at);
      if (drop.status !== 'closed' && closesAt.getTime() > clock.now().getTime()) {
        throw new AppError(
          'unprocessable',
          `Drop '${dropId}' has not closed yet (closes at ${closesAt.toISOString()})`,
          { extensions: { reason: 'drop_not_closed' } },
        );
      }
      const skus = await skusOf(db, dropId);
      requireSkus(drop, skus);
      const regionIds = await regionsOf(db, dropId);
      const realised = new Map(
        (await repo.sumPreordersAsOf(db, dropId, closesAt)).map((r) => [
          `${r.sku_id}\u0000${r.region_id}`,
          Number(r.units),
        ]),
      );
      const snapshots = await leadSnapshots(drop, skus, regionIds);
      const rows: DemandHistoryInsert[] = regionIds.flatMap((regionId) =>
        skus.map((sku) => ({
          drop_id: drop.id,
          creator_id: drop.creator_id,
          sku_id: sku.id,
          region_id: regionId,
          opens_at: iso(drop.opens_at),
          closes_at: closesAt.toISOString(),
          price: sku.price,
          realised_demand: realised.get(`${sku.id}\u0000${regionId}`) ?? 0,
          snapshots: snapshots.get(`${sku.id}\u0000${regionId}`) ?? {},
          source: 'closed-drop' as const,
        })),
      );
      const counts = await db.transaction((tx) => repo.upsertDemandHistory(tx, rows));
      logger.info({ dropId, rows: rows.length, ...counts }, 'closed drop recorded in demand_history');
      return {
        drop_id: dropId,
        rows: rows.length,
        ...counts,
        realised_units: rows.reduce((a, r) => a + r.realised_demand, 0),
      };
    },

    async listDemandHistoryOfDrop(dropId: string) {
      return repo.listDemandHistoryOfDrop(db, dropId);
    },

    /** Past drops from a CSV or JSON file into demand_history (all or nothing). */
    importHistory(input: { text: string; format: HistoryFormat }, onProgress?: (p: HistoryImportProgress) => void) {
      return importDemandHistory(db, input, onProgress);
    },

    /** The refresh job's work: a new forecast version for every scheduled or live drop still open. */
    async refreshOpenDrops(signal?: AbortSignal) {
      const ids = await repo.listDropsToRefresh(db, clock.now());
      const result = { drops: ids.length, forecasts: 0, skipped: 0, failed: 0 };
      for (const id of ids) {
        if (signal?.aborted) break;
        try {
          await forecastDrop(await catalog.visibleDrop(SYSTEM, id));
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

    /** The retrain job's work (see retrain.ts). */
    async retrain(signal?: AbortSignal) {
      const now = clock.now();
      const modelId = retrainedModelId(now);
      const priorHistory = priorHistoryPath ? await readPriorHistory(priorHistoryPath).catch(() => null) : null;
      const recorded = toSimulatedDrops(await repo.listDemandHistory(db)).filter(
        (d) => Date.parse(d.closesAt) <= now.getTime(),
      );
      const training = combineHistories(priorHistory, recorded);
      const { model, backtest } = await trainer(training, { modelId, now, signal });
      try {
        model.metadata.backtest = backtest;
        const dir = join(models.modelsDir, modelId);
        // TensorFlow.js (~90 MB) is loaded on first use, not at service start.
        const { saveNbModel } = await import('./core/model-store');
        await saveNbModel(model, dir);
        const becomesDefault = chooseDefaultModel(model.metadata) === 'nb-mlp';
        const scores = {
          scaled_pinball: backtest.pooled['nb-mlp']?.scaledPinball,
          baseline_scaled_pinball: backtest.pooled.baseline?.scaledPinball,
        };
        if (becomesDefault) await models.setDefault({ model_id: modelId, chosen_at: now.toISOString(), ...scores });
        logger.info(
          { modelId, dir, becomesDefault, drops: training.drops.length, recordedDrops: recorded.length, ...scores },
          'forecast model retrained',
        );
        return {
          model_id: modelId,
          model_dir: dir,
          became_default: becomesDefault,
          training_drops: training.drops.length,
          recorded_drops: recorded.length,
          ...scores,
        };
      } finally {
        model.dispose();
      }
    },
  };

  async function withCells(row: ForecastRow, filter: ForecastCellFilter): Promise<Schemas['Forecast']> {
    const cells = await repo.listCells(db, row.id, {
      regionId: filter.region_id ?? null,
      skuId: filter.sku_id ?? null,
    });
    return { ...toForecastVersion(row), cells: cells.map(toForecastCell) };
  }
}

export type ForecastService = ReturnType<typeof createForecastService>;
