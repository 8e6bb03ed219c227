/**
 * The training history as the forecasting core wants it. demand_history stores one row per closed
 * drop × SKU × region with the realised demand and, per lead time, the raw signals of that cell:
 *
 *   snapshots = { "7": CellSnapshot, "3": CellSnapshot, "1": CellSnapshot }
 *   CellSnapshot = { preorders, velocity, token_holders, social?: number[SOCIAL_WIDTH] }
 *
 * (`social` is the region's cumulative engagement, channel-major as in `socialIndex`; the same
 * vector on every SKU of a region.) Raw signals rather than feature values, so features are rebuilt
 * with the history visible at each training row's own forecast time. Pure, except
 * `readPriorHistory`, which reads the shipped simulated history.
 */
import { readFile } from 'node:fs/promises';
import { LEAD_TIMES, SOCIAL_WIDTH, type ClosedDrop } from './core/forecast-types';
import { parseSimulatedHistory, type SimulatedDrop, type SimulatedHistory } from './core/simulate-history';

export interface CellSnapshot {
  preorders: number;
  velocity: number;
  token_holders: number;
  social?: number[];
}

export type CellSnapshots = Record<string, CellSnapshot>;

export interface DemandHistoryRow {
  drop_id: string;
  creator_id: string;
  sku_id: string;
  region_id: string;
  opens_at: Date;
  closes_at: Date;
  price: number;
  realised_demand: number;
  snapshots: CellSnapshots;
  source: 'closed-drop' | 'import';
}

/** The shipped simulated history: the prior population (new creators, global shares and ratios). */
export const DEFAULT_PRIOR_HISTORY_PATH = 'data/history/simulated-history.json';

export async function readPriorHistory(path: string): Promise<SimulatedHistory> {
  return parseSimulatedHistory(JSON.parse(await readFile(path, 'utf8')));
}

interface Grouped {
  first: DemandHistoryRow;
  skus: Map<string, number>;
  regions: Map<string, Map<string, DemandHistoryRow>>;
}

function groupByDrop(rows: readonly DemandHistoryRow[]): Grouped[] {
  const drops = new Map<string, Grouped>();
  for (const row of rows) {
    let g = drops.get(row.drop_id);
    if (!g) drops.set(row.drop_id, (g = { first: row, skus: new Map(), regions: new Map() }));
    g.skus.set(row.sku_id, Number(row.price));
    let cells = g.regions.get(row.region_id);
    if (!cells) g.regions.set(row.region_id, (cells = new Map()));
    cells.set(row.sku_id, row);
  }
  return [...drops.values()];
}

const byId = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A drop in the simulated-history shape: what the core's dataset and backtest read. Signals not
 * kept are zeros; the simulator's truth and oracle are unknown for real drops (oracle [0, 0]: the
 * backtest's "oracle" column is meaningless on them; nb-mlp vs baseline is what counts).
 */
export function toSimulatedDrops(rows: readonly DemandHistoryRow[]): SimulatedDrop[] {
  return convert(rows).map((c) => c.drop);
}

/** Closed drops for history features and the baseline (social only where every lead kept it). */
export function toClosedDrops(rows: readonly DemandHistoryRow[]): ClosedDrop[] {
  return convert(rows).map(({ drop: d, keptSocial }) => ({
    id: d.id,
    creatorId: d.creatorId,
    opensAt: d.opensAt,
    closesAt: d.closesAt,
    skus: d.skus,
    regions: d.regions.map((r, i) => ({
      regionId: r.regionId,
      demand: r.demand,
      preorders: r.preorders,
      ...(keptSocial[i] && { social: r.social }),
    })),
  }));
}

function convert(rows: readonly DemandHistoryRow[]): { drop: SimulatedDrop; keptSocial: boolean[] }[] {
  return groupByDrop(rows).map(({ first, skus, regions }) => {
    const skuList = byId(skus.entries()).map(([id, price]) => ({ id, price }));
    const keptSocial: boolean[] = [];
    const drop: SimulatedDrop = {
      id: first.drop_id,
      creatorId: first.creator_id,
      opensAt: new Date(first.opens_at).toISOString(),
      closesAt: new Date(first.closes_at).toISOString(),
      skus: skuList,
      truth: { hype: 1, preorderShare: 0, timingExponent: 1, dispersion: 0 },
      regions: byId(regions.entries()).map(([regionId, cells]) => {
        const cellOf = (skuId: string) => cells.get(skuId);
        const snap = (skuId: string, lead: number): CellSnapshot | undefined =>
          cellOf(skuId)?.snapshots?.[String(lead)];
        const anyCell = [...cells.values()][0]!;
        const regionSnap = (lead: number) => anyCell.snapshots?.[String(lead)];
        const kept = LEAD_TIMES.every((L) => Array.isArray(regionSnap(L)?.social));
        keptSocial.push(kept);
        return {
          regionId,
          social: LEAD_TIMES.map((L) =>
            kept ? padSocial(regionSnap(L)!.social!) : new Array<number>(SOCIAL_WIDTH).fill(0),
          ),
          tokenHolders: LEAD_TIMES.map((L) => Number(regionSnap(L)?.token_holders ?? 0)),
          preorders: skuList.map((s) => LEAD_TIMES.map((L) => Number(snap(s.id, L)?.preorders ?? 0))),
          velocity: skuList.map((s) => LEAD_TIMES.map((L) => Number(snap(s.id, L)?.velocity ?? 0))),
          demand: skuList.map((s) => Number(cellOf(s.id)?.realised_demand ?? 0)),
          truthMean: skuList.map((s) => Number(cellOf(s.id)?.realised_demand ?? 0)),
          oracle: skuList.map(() => LEAD_TIMES.map(() => [0, 0])),
          spike: 1,
        };
      }),
    };
    return { drop, keptSocial };
  });
}

function padSocial(values: readonly number[]): number[] {
  return Array.from({ length: SOCIAL_WIDTH }, (_, i) => Number(values[i] ?? 0));
}

/** A training history: the prior (simulated) drops followed by the recorded ones, as one history. */
export function combineHistories(prior: SimulatedHistory | null, recorded: readonly SimulatedDrop[]): SimulatedHistory {
  const base: SimulatedHistory = prior ?? {
    format: 'microfulfil.simulated-history',
    version: 1,
    config: { seed: 0, drops: 0, regions: 0, creators: 0, newCreators: 0, start: '1970-01-01', spanDays: 0 },
    leadTimes: [...LEAD_TIMES],
    channels: [],
    metrics: [],
    regions: [],
    creators: [],
    drops: [],
  };
  const drops = [...base.drops, ...recorded].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt));
  return { ...base, drops };
}
