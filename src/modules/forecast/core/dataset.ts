/**
 * Labelled rows from closed drops: for every target drop and lead time, the features as they stood
 * at forecast time (`historySnapshot` + the one feature function, history = drops of the population
 * closed by then), the realised demand and, for simulated drops, the oracle (true predictive)
 * parameters.
 */
import { buildFeatureRows, forecastTimeMs, historySnapshot, type HistoryIndex } from './features';
import { LEAD_TIMES, type ClosedDrop, type FeatureRow } from './forecast-types';

export interface LabelledRows {
  rows: FeatureRow[];
  /** realised demand per row */
  demand: number[];
  /** [μ, α] of the true NB of remaining demand (demand − row.preorders); null when unknown (real drops) */
  oracle: ([number, number] | null)[];
  /** index of the row's drop in the `targets` array */
  dropIndex: number[];
}

/** A simulated drop region knows the truth; a real one does not. */
interface MaybeOracle {
  oracle?: number[][][];
}

export function emptyLabelledRows(): LabelledRows {
  return { rows: [], demand: [], oracle: [], dropIndex: [] };
}

/**
 * Rows of `targets` at the given lead times; history features come from `index`, restricted to
 * drops closed at or before each forecast time (and never the target itself).
 */
export function buildLabelledRows(
  targets: readonly ClosedDrop[],
  index: HistoryIndex,
  leads: readonly number[] = LEAD_TIMES,
  into: LabelledRows = emptyLabelledRows(),
): LabelledRows {
  targets.forEach((drop, di) => {
    for (const lead of leads) {
      const li = (LEAD_TIMES as readonly number[]).indexOf(lead);
      if (li < 0) throw new RangeError(`unknown lead time ${lead}`);
      const snap = historySnapshot(drop, li);
      const stats = index.statsAsOf(drop.creatorId, forecastTimeMs(snap), drop.id);
      const rows = buildFeatureRows(snap, stats);
      let i = 0;
      for (const reg of drop.regions) {
        for (let k = 0; k < drop.skus.length; k++) {
          into.rows.push(rows[i++] as FeatureRow);
          into.demand.push(reg.demand[k] as number);
          const o = (reg as MaybeOracle).oracle?.[k]?.[li];
          into.oracle.push(o ? [o[0] as number, o[1] as number] : null);
          into.dropIndex.push(di);
        }
      }
    }
  });
  return into;
}
