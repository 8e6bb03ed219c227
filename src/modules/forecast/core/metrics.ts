/**
 * Forecast scores (lower is better except coverage). Pure functions over arrays of realised
 * demand and predictive distributions; see docs/forecasting.md.
 */
import { QUANTILE_LEVELS, type DemandDistribution } from './forecast-types';

/** Pinball (quantile) loss ρ_τ(u) = u(τ − 1[u < 0]) with u = y − q. */
export function pinball(y: number, q: number, tau: number): number {
  const u = y - q;
  return u * (tau - (u < 0 ? 1 : 0));
}

/** WAPE = Σ|y − q0.5| / Σy (NaN when Σy = 0). */
export function wape(actual: readonly number[], medians: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    num += Math.abs((actual[i] as number) - (medians[i] as number));
    den += actual[i] as number;
  }
  return den > 0 ? num / den : Number.NaN;
}

/**
 * Scaled pinball = Σ_τ Σ_i ρ_τ(y_i − q_τ,i) / (|T| · Σ_i y_i).
 * `quantiles[i][t]` is the forecast of row i at `levels[t]`.
 */
export function scaledPinball(
  actual: readonly number[],
  quantiles: readonly (readonly number[])[],
  levels: readonly number[] = QUANTILE_LEVELS,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const q = quantiles[i] as readonly number[];
    for (let t = 0; t < levels.length; t++) num += pinball(y, q[t] as number, levels[t] as number);
    den += y;
  }
  return den > 0 ? num / (levels.length * den) : Number.NaN;
}

/** Share of y inside the closed interval [lower, upper] (NaN when empty). */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  if (actual.length === 0) return Number.NaN;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    if (y >= (lower[i] as number) && y <= (upper[i] as number)) inside++;
  }
  return inside / actual.length;
}

export interface ForecastScores {
  rows: number;
  totalDemand: number;
  wape: number;
  scaledPinball: number;
  /** share of y inside [q0.1, q0.9] */
  coverage80: number;
}

/** All scores of a set of distributions against realised demand (QUANTILE_LEVELS order). */
export function scoreForecasts(actual: readonly number[], forecasts: readonly DemandDistribution[]): ForecastScores {
  const iMed = QUANTILE_LEVELS.indexOf(0.5);
  const iLo = QUANTILE_LEVELS.indexOf(0.1);
  const iHi = QUANTILE_LEVELS.indexOf(0.9);
  const q = forecasts.map((f) => f.quantiles);
  return {
    rows: actual.length,
    totalDemand: actual.reduce((s, y) => s + y, 0),
    wape: wape(
      actual,
      q.map((x) => x[iMed] as number),
    ),
    scaledPinball: scaledPinball(actual, q),
    coverage80: coverage(
      actual,
      q.map((x) => x[iLo] as number),
      q.map((x) => x[iHi] as number),
    ),
  };
}
