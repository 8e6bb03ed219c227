/**
 * The training history as the forecasting core wants it. demand_history stores one row per closed
 * drop × SKU × region with the realised demand and, per lead time, the raw signals of that cell:
 *
 *   snapshots = { "7": CellSnapshot, "3": CellSnapshot, "1": CellSnapshot }
 *   CellSnapshot = { preorders, velocity, token_holders?, social?: number[SOCIAL_WIDTH] }
 *
 * (`social` is the region's cumulative engagement, channel-major as in `socialIndex`; the same
 * vector on every SKU of a region.) A signal kind is *observed* for a drop at a lead when any of
 * its cells carries it there; absent everywhere, the kind is missing for that drop (features say
 * so), never zero-filled as if it had been measured. Raw signals rather than feature values, so
 * features are rebuilt with the history visible at each training row's own forecast time.
 *
 * Also the reader of the shipped simulated history (the prior population): `parseSimulatedHistory`.
 */
import { readFile } from 'node:fs/promises';
import { LEAD_TIMES, SOCIAL_WIDTH, type ClosedDrop } from './core/forecast-types';
import type { SimulatedHistory } from './core/simulate-history';

export interface CellSnapshot {
  preorders: number;
  velocity: number;
  token_holders?: number;
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

/** The shipped simulated history: the prior population of the shipped model and the optional prior of training. */
export const DEFAULT_PRIOR_HISTORY_PATH = 'data/history/simulated-history.json';

/** Validate the shape of a parsed simulated-history file and return it typed (older files: every kind observed). */
export function parseSimulatedHistory(json: unknown): SimulatedHistory {
  const h = json as Partial<SimulatedHistory> | null;
  if (!h || h.format !== 'microfulfil.simulated-history' || h.version !== 1 || !Array.isArray(h.drops)) {
    throw new Error('not a microfulfil simulated history (format/version mismatch)');
  }
  if (JSON.stringify(h.leadTimes) !== JSON.stringify(LEAD_TIMES)) {
    throw new Error(`history lead times ${JSON.stringify(h.leadTimes)} differ from ${JSON.stringify(LEAD_TIMES)}`);
  }
  const all = LEAD_TIMES.map(() => true);
  for (const d of h.drops) d.observed ??= { social: [...all], tokenHolders: [...all] };
  return h as SimulatedHistory;
}

export function isSimulatedHistory(json: unknown): boolean {
  return (json as { format?: unknown } | null)?.format === 'microfulfil.simulated-history';
}

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

/** demand_history rows (or rows of an import file in the same shape) → closed drops, in opening order. */
export function toClosedDrops(rows: readonly DemandHistoryRow[]): ClosedDrop[] {
  return groupByDrop(rows)
    .map(({ first, skus, regions }) => {
      const skuList = byId(skus.entries()).map(([id, price]) => ({ id, price }));
      const cells = [...regions.values()].flatMap((m) => [...m.values()]);
      const at = (row: DemandHistoryRow | undefined, lead: number) => row?.snapshots?.[String(lead)];
      const observed = {
        social: LEAD_TIMES.map((L) => cells.some((c) => Array.isArray(at(c, L)?.social))),
        tokenHolders: LEAD_TIMES.map((L) => cells.some((c) => typeof at(c, L)?.token_holders === 'number')),
      };
      return {
        id: first.drop_id,
        creatorId: first.creator_id,
        opensAt: new Date(first.opens_at).toISOString(),
        closesAt: new Date(first.closes_at).toISOString(),
        skus: skuList,
        observed,
        regions: byId(regions.entries()).map(([regionId, bySku]) => {
          const regionCells = [...bySku.values()];
          // Region-level signals: the same on every SKU of the region; take the first cell carrying them.
          const regionSnap = (lead: number, has: (s: CellSnapshot) => boolean) =>
            regionCells.map((c) => at(c, lead)).find((s): s is CellSnapshot => s !== undefined && has(s));
          const cell = (skuId: string) => bySku.get(skuId);
          return {
            regionId,
            social: LEAD_TIMES.map((L) => padSocial(regionSnap(L, (s) => Array.isArray(s.social))?.social ?? [])),
            tokenHolders: LEAD_TIMES.map((L) =>
              Number(regionSnap(L, (s) => typeof s.token_holders === 'number')?.token_holders ?? 0),
            ),
            preorders: skuList.map((s) => LEAD_TIMES.map((L) => Number(at(cell(s.id), L)?.preorders ?? 0))),
            velocity: skuList.map((s) => LEAD_TIMES.map((L) => Number(at(cell(s.id), L)?.velocity ?? 0))),
            demand: skuList.map((s) => Number(cell(s.id)?.realised_demand ?? 0)),
          };
        }),
      } satisfies ClosedDrop;
    })
    .sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt) || (a.id < b.id ? -1 : 1));
}

function padSocial(values: readonly number[]): number[] {
  return Array.from({ length: SOCIAL_WIDTH }, (_, i) => Number(values[i] ?? 0));
}
