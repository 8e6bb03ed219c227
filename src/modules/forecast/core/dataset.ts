/**
 * Labelled rows from a simulated history: for every target drop and lead time, the features as
 * they stood at forecast time (history = drops closed by then), the realised demand and the
 * oracle (true predictive) parameters.
 */
import { buildFeatureRows, forecastTimeMs, type HistoryIndex } from './features';
import { LEAD_TIMES, type FeatureRow } from './forecast-types';
import { snapshotAt, type SimulatedDrop } from './simulate-history';

export interface LabelledRows {
  rows: FeatureRow[];
  /** realised demand per row */
  demand: number[];
  /** [μ, α] of the true NB of remaining demand (demand − row.preorders) */
  oracle: [number, number][];
  /** index of the row's drop in the `targets` array */
  dropIndex: number[];
}

export function emptyLabelledRows(): LabelledRows {
  return { rows: [], demand: [], oracle: [], dropIndex: [] };
}

/**
 * Rows of `targets` at the given lead times; history features come from `index`, restricted to
 * drops closed at or before each forecast time.
 */
export function buildLabelledRows(
  targets: readonly SimulatedDrop[],
  index: HistoryIndex,
  leads: readonly number[] = LEAD_TIMES,
  into: LabelledRows = emptyLabelledRows(),
): LabelledRows {
  targets.forEach((drop, di) => {
    for (const lead of leads) {
      const li = (LEAD_TIMES as readonly number[]).indexOf(lead);
      if (li < 0) throw new RangeError(`unknown lead time ${lead}`);
      const snap = snapshotAt(drop, li);
      const stats = index.statsAsOf(drop.creatorId, forecastTimeMs(snap), drop.id);
      const rows = buildFeatureRows(snap, stats);
      let i = 0;
      for (const reg of drop.regions) {
        for (let k = 0; k < drop.skus.length; k++) {
          into.rows.push(rows[i++] as FeatureRow);
          into.demand.push(reg.demand[k] as number);
          const o = reg.oracle[k]?.[li] as number[];
          into.oracle.push([o[0] as number, o[1] as number]);
          into.dropIndex.push(di);
        }
      }
    }
  });
  return into;
}
