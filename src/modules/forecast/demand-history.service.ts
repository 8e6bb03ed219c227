/**
 * The learning loop and the history it feeds: closed drops → demand_history, imports of past drops,
 * and the history populations that training and serving compute features from (demand_history,
 * the shipped simulated prior, or both; see core/population.ts).
 */
import type { Database } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { HistoryIndex } from './core/features';
import { LEAD_TIMES, type ClosedDrop, type SkuInfo } from './core/forecast-types';
import type { HistoryPopulation } from './core/nb-mlp-model';
import { asPriorDrops, assemblePopulation } from './core/population';
import { DAY_MS } from './drop-snapshot';
import type { DropRecord, DropSignalsReader } from './drop-signals';
import { forecastRepository as repo, type DemandHistoryInsert } from './forecast.repository';
import { importDemandHistory, type HistoryFormat, type HistoryImportProgress } from './history-import';
import { readPriorHistory, toClosedDrops, type CellSnapshots } from './training-history';

export interface DemandHistoryServiceOptions {
  clock: Clock;
  logger: Logger;
  reader: DropSignalsReader;
  /** the shipped simulated history (data/history/simulated-history.json); null: none */
  priorHistoryPath: string | null;
}

/** Which drops of demand_history a training run learns from. */
export interface HistorySelection {
  creatorId?: string | null;
  /** drops opening at or after */
  from?: string | null;
  /** drops closing at or before */
  to?: string | null;
}

export interface Population {
  drops: ClosedDrop[];
  index: HistoryIndex;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const populationKey = (p: HistoryPopulation) => `${p.demandHistory ? 'h' : ''}${p.prior ? 'p' : ''}`;

export function createDemandHistoryService(db: Database, options: DemandHistoryServiceOptions) {
  const { clock, logger, reader, priorHistoryPath } = options;

  let prior: Promise<ClosedDrop[]> | undefined;
  /** The simulated prior (ids prefixed `sim:`), read once; none when the file is absent. */
  function priorDrops(): Promise<ClosedDrop[]> {
    prior ??= (async () => {
      if (!priorHistoryPath) return [];
      try {
        return asPriorDrops((await readPriorHistory(priorHistoryPath)).drops);
      } catch (error) {
        logger.warn({ path: priorHistoryPath, err: (error as Error).message }, 'no simulated prior history');
        return [];
      }
    })();
    return prior;
  }

  let cached: { stamp: string; drops: ClosedDrop[]; populations: Map<string, Population> } | undefined;
  /** demand_history as closed drops, cached until the table changes. */
  async function current() {
    const stamp = await repo.demandHistoryStamp(db);
    if (cached?.stamp !== stamp) {
      cached = { stamp, drops: toClosedDrops(await repo.listDemandHistory(db)), populations: new Map() };
    }
    return cached;
  }

  /** Raw signals of every cell at each lead time before opening (the learning loop's snapshots). */
  async function leadSnapshots(drop: DropRecord, skus: SkuInfo[], regionIds: string[]) {
    const out = new Map<string, CellSnapshots>();
    for (const L of LEAD_TIMES) {
      const asOf = new Date(new Date(drop.opens_at).getTime() - L * DAY_MS);
      const { snapshot } = await reader.snapshotAt(drop, skus, regionIds, asOf);
      for (const region of snapshot.regions) {
        skus.forEach((sku, k) => {
          const key = `${sku.id}\u0000${region.regionId}`;
          const cell = out.get(key) ?? {};
          // A kind the drop did not have at that lead is not stored: it stays missing, not zero.
          cell[String(L)] = {
            preorders: region.preorders[k]!,
            velocity: region.velocity[k]!,
            ...(snapshot.observed.tokenHolders && { token_holders: region.tokenHolders }),
            ...(snapshot.observed.social && { social: region.social }),
          };
          out.set(key, cell);
        });
      }
    }
    return out;
  }

  return {
    priorDrops,

    /** Every drop of demand_history (closed at any time), in opening order. */
    async demandHistoryDrops(): Promise<ClosedDrop[]> {
      return (await current()).drops;
    },

    /** The drops (and their index) of a history population, cached until demand_history changes. */
    async population(population: HistoryPopulation): Promise<Population> {
      const c = await current();
      const key = populationKey(population);
      let hit = c.populations.get(key);
      if (!hit) {
        const drops = assemblePopulation(population, { demandHistory: c.drops, prior: await priorDrops() });
        hit = { drops, index: new HistoryIndex(drops) };
        c.populations.set(key, hit);
      }
      return hit;
    },

    /**
     * The drops a training run learns from: demand_history drops closed by now, filtered; the rest
     * of demand_history is context (history features only).
     */
    async select(selection: HistorySelection): Promise<{ targets: ClosedDrop[]; context: ClosedDrop[] }> {
      const now = clock.now().getTime();
      const closed = (await current()).drops.filter((d) => Date.parse(d.closesAt) <= now);
      const from = selection.from ? Date.parse(selection.from) : Number.NEGATIVE_INFINITY;
      const to = selection.to ? Date.parse(selection.to) : Number.POSITIVE_INFINITY;
      const keep = (d: ClosedDrop) =>
        (!selection.creatorId || d.creatorId === selection.creatorId) &&
        Date.parse(d.opensAt) >= from &&
        Date.parse(d.closesAt) <= to;
      return { targets: closed.filter(keep), context: closed.filter((d) => !keep(d)) };
    },

    /**
     * The learning loop: a closed drop becomes demand_history rows, one per SKU × region of its
     * market. Realised demand = units of pre-orders still placed (not cancelled) with placed_at up
     * to closes_at: those placed before opening (pre-orders, part of demand) and those placed in
     * [opens_at, closes_at] (the window's orders, recorded in the same table). The signals at 7, 3
     * and 1 days before opening are stored as raw snapshots, a signal kind only where the drop had
     * it. Idempotent: re-running replaces the drop's rows. A drop is closed when its status is
     * 'closed' or its window has ended.
     */
    async recordClosedDrop(dropId: string) {
      const drop = await reader.drop(dropId);
      const closesAt = new Date(drop.closes_at);
      if (drop.status !== 'closed' && closesAt.getTime() > clock.now().getTime()) {
        throw new AppError(
          'unprocessable',
          `Drop '${dropId}' has not closed yet (closes at ${closesAt.toISOString()})`,
          {
            extensions: { reason: 'drop_not_closed' },
          },
        );
      }
      const skus = await reader.skusOf(dropId);
      if (skus.length === 0) {
        throw new AppError('unprocessable', `Drop '${dropId}' has no SKUs`, { extensions: { reason: 'no_skus' } });
      }
      const regionIds = await reader.regionsOf(drop);
      const { snapshot: atClose } = await reader.snapshotAt(drop, skus, regionIds, closesAt);
      const realised = new Map(
        atClose.regions.flatMap((r) => skus.map((s, k) => [`${s.id}\u0000${r.regionId}`, r.preorders[k]!] as const)),
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

    listDemandHistoryOfDrop: (dropId: string) => repo.listDemandHistoryOfDrop(db, dropId),

    /** Past drops from a CSV or JSON file into demand_history (all or nothing). */
    importHistory(input: { text: string; format: HistoryFormat }, onProgress?: (p: HistoryImportProgress) => void) {
      return importDemandHistory(db, input, onProgress);
    },
  };
}

export type DemandHistoryService = ReturnType<typeof createDemandHistoryService>;
