import type { Queryable } from '../../db/database';
import { afterKey, type PageRequest } from '../../http/pagination';
import type { DemandHistoryRow } from './training-history';

/**
 * Forecast SQL, one intent-named query per function, no business rules. Cells and history rows are
 * written in one statement each (a JSON array expanded by jsonb_to_recordset, which also turns the
 * quantile arrays into float8[]). Signal summaries (latest social readings, latest token holders)
 * come from the signals repository; only the per-SKU pre-order sums live here.
 */
export interface ForecastRow {
  id: string;
  drop_id: string;
  version: number;
  model_id: string;
  model_kind: string;
  prior_only: boolean;
  lead_days: number;
  as_of: Date;
  summary: Record<string, unknown>;
  created_at: Date;
}

export interface ForecastCellRow {
  sku_id: string;
  region_id: string;
  mean: number;
  dispersion: number;
  quantiles: number[];
  features: Record<string, number>;
}

export type NewForecast = Omit<ForecastRow, 'created_at'>;

const forecastColumns = 'id, drop_id, version, model_id, model_kind, prior_only, lead_days, as_of, summary, created_at';

export const forecastRepository = {
  async nextVersion(db: Queryable, dropId: string): Promise<number> {
    const { rows } = await db.query<{ version: number }>(
      'select coalesce(max(version), 0) + 1 as version from forecasts where drop_id = $1',
      [dropId],
    );
    return Number(rows[0]!.version);
  },
  async insertForecast(db: Queryable, f: NewForecast) {
    const { rows } = await db.query<ForecastRow>(
      `insert into forecasts (id, drop_id, version, model_id, model_kind, prior_only, lead_days, as_of, summary)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) returning ${forecastColumns}`,
      [
        f.id,
        f.drop_id,
        f.version,
        f.model_id,
        f.model_kind,
        f.prior_only,
        f.lead_days,
        f.as_of,
        JSON.stringify(f.summary),
      ],
    );
    return rows[0]!;
  },
  async insertCells(db: Queryable, forecastId: string, cells: ForecastCellRow[]) {
    await db.query(
      `insert into forecast_cells (forecast_id, sku_id, region_id, mean, dispersion, quantiles, features)
       select $1, c.sku_id, c.region_id, c.mean, c.dispersion, c.quantiles, c.features
       from jsonb_to_recordset($2::jsonb) as c(sku_id text, region_id text, mean float8, dispersion float8, quantiles float8[], features jsonb)`,
      [forecastId, JSON.stringify(cells)],
    );
  },
  /** Newest version first; the page key is the version. */
  async listForecastsOfDrop(db: Queryable, dropId: string, page: PageRequest) {
    return (
      await db.query<ForecastRow>(
        `select ${forecastColumns} from forecasts where drop_id = $1 and ($2::int is null or version < $2::int)
         order by version desc limit $3`,
        [dropId, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
  async findLatestForecastOfDrop(db: Queryable, dropId: string) {
    return (
      await db.query<ForecastRow>(
        `select ${forecastColumns} from forecasts where drop_id = $1 order by version desc limit 1`,
        [dropId],
      )
    ).rows[0];
  },
  /** The last forecast made by `at` (else the first one made after it, when none was). */
  async findLastForecastAsOf(db: Queryable, dropId: string, at: Date) {
    return (
      await db.query<ForecastRow>(
        `select ${forecastColumns} from forecasts where drop_id = $1 order by (as_of <= $2) desc, version desc limit 1`,
        [dropId, at],
      )
    ).rows[0];
  },
  async findForecast(db: Queryable, id: string) {
    return (await db.query<ForecastRow>(`select ${forecastColumns} from forecasts where id = $1`, [id])).rows[0];
  },
  async listCells(db: Queryable, forecastId: string, filter: { regionId: string | null; skuId: string | null }) {
    return (
      await db.query<ForecastCellRow>(
        `select sku_id, region_id, mean, dispersion, quantiles, features from forecast_cells
         where forecast_id = $1 and ($2::text is null or region_id = $2) and ($3::text is null or sku_id = $3)
         order by region_id, sku_id`,
        [forecastId, filter.regionId, filter.skuId],
      )
    ).rows;
  },

  /** A forecast's cells as the planner reads them: mean and dispersion only (no quantiles, no features). */
  async listCellMeans(db: Queryable, forecastId: string) {
    return (
      await db.query<{ sku_id: string; region_id: string; mean: number; dispersion: number }>(
        'select sku_id, region_id, mean, dispersion from forecast_cells where forecast_id = $1',
        [forecastId],
      )
    ).rows;
  },

  async listDemandHistory(db: Queryable) {
    return (
      await db.query<DemandHistoryRow>(
        `select drop_id, creator_id, sku_id, region_id, opens_at, closes_at, price, realised_demand, snapshots, source
         from demand_history order by opens_at, drop_id, sku_id, region_id`,
      )
    ).rows;
  },
  async listDemandHistoryOfDrop(db: Queryable, dropId: string) {
    return (
      await db.query<DemandHistoryRow>(
        `select drop_id, creator_id, sku_id, region_id, opens_at, closes_at, price, realised_demand, snapshots, source
         from demand_history where drop_id = $1 order by sku_id, region_id`,
        [dropId],
      )
    ).rows;
  },
  /** A cheap fingerprint of demand_history: caches of the history rebuild when it changes. */
  async demandHistoryStamp(db: Queryable) {
    const { rows } = await db.query<{ n: number; last: Date | null }>(
      'select count(*) as n, max(recorded_at) as last from demand_history',
    );
    return `${rows[0]?.n ?? 0}|${rows[0]?.last ? new Date(rows[0].last).toISOString() : ''}`;
  },
  /** Upserts history rows on (drop, SKU, region); answers how many were created and replaced. */
  async upsertDemandHistory(db: Queryable, rows: DemandHistoryInsert[]) {
    const { rows: result } = await db.query<{ created: number; updated: number }>(
      `with written as (
        insert into demand_history as h (drop_id, creator_id, sku_id, region_id, opens_at, closes_at, price, realised_demand, snapshots, source)
        select drop_id, creator_id, sku_id, region_id, opens_at, closes_at, price, realised_demand, coalesce(snapshots, '{}'), source
        from jsonb_to_recordset($1::jsonb) as r(drop_id text, creator_id text, sku_id text, region_id text, opens_at timestamptz,
          closes_at timestamptz, price float8, realised_demand int, snapshots jsonb, source text)
        on conflict (drop_id, sku_id, region_id) do update set creator_id = excluded.creator_id, opens_at = excluded.opens_at,
          closes_at = excluded.closes_at, price = excluded.price, realised_demand = excluded.realised_demand,
          snapshots = excluded.snapshots, source = excluded.source, recorded_at = now()
        returning (xmax = 0) as inserted
      ) select count(*) filter (where inserted) as created, count(*) filter (where not inserted) as updated from written`,
      [JSON.stringify(rows)],
    );
    return { created: Number(result[0]?.created ?? 0), updated: Number(result[0]?.updated ?? 0) };
  },
};

export interface DemandHistoryInsert {
  drop_id: string;
  creator_id: string;
  sku_id: string;
  region_id: string;
  opens_at: string;
  closes_at: string;
  price: number;
  realised_demand: number;
  snapshots: Record<string, unknown>;
  source: 'closed-drop' | 'import';
}

/** The model registry's log of default choices (migration 0011). */
export interface ModelChoiceRow {
  seq: number;
  model_id: string;
  action: 'promote' | 'pin' | 'unpin' | 'rollback' | 'trained';
  pinned: boolean;
  reason: string;
  chosen_by: string;
  chosen_at: Date;
}

export const modelChoicesRepository = {
  async listChoices(db: Queryable) {
    return (
      await db.query<ModelChoiceRow>(
        'select seq, model_id, action, pinned, reason, chosen_by, chosen_at from forecast_model_choices order by seq',
      )
    ).rows;
  },
  /** Serialises changes of the default: two admins (or a training run) never interleave. */
  async lockChoices(db: Queryable) {
    await db.query('lock table forecast_model_choices in share row exclusive mode');
  },
  async insertChoice(db: Queryable, c: Omit<ModelChoiceRow, 'seq'>) {
    await db.query(
      `insert into forecast_model_choices (model_id, action, pinned, reason, chosen_by, chosen_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [c.model_id, c.action, c.pinned, c.reason, c.chosen_by, c.chosen_at],
    );
  },
};
