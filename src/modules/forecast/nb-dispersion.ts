/**
 * Per-cell negative-binomial parameters for the allocator (mean m, dispersion α: variance
 * m + α·m², α = 0 is Poisson), from whatever a model gives. Pure.
 *
 * - NB-MLP: the model forecasts Y = p + Z with p the pre-orders already placed and Z ~ NB(μ, α_Z).
 *   Y is a shifted NB, not an NB, so the stored (m, α) is the NB with the same mean and variance:
 *   m = p + μ, Var = μ + α_Z·μ², α = max(0, (Var − m)/m²) = max(0, (α_Z·μ² − p)/m²).
 *   When the pre-orders make Y less dispersed than a Poisson of mean m, α floors at 0 (the
 *   allocator sees a Poisson, slightly wider than the truth: a conservative choice).
 * - Any other model (the baseline): only quantiles. The variance is estimated from the central
 *   90 % interval as for a normal, σ ≈ (q0.95 − q0.05) / (2 · 1.6449), and moment-matched the same
 *   way: α = max(0, (σ² − m)/m²). A zero mean gives α = 0.
 */
import { QUANTILE_LEVELS, type DemandDistribution } from './core/forecast-types';

const Z95 = 1.6448536269514722;

export function dispersionFromParams(preorders: number, mu: number, alphaRemaining: number): number {
  const m = Math.max(0, preorders) + Math.max(0, mu);
  if (!(m > 0)) return 0;
  const variance = Math.max(0, mu) + Math.max(0, alphaRemaining) * mu * mu;
  return clean(Math.max(0, (variance - m) / (m * m)));
}

export function dispersionFromQuantiles(distribution: DemandDistribution): number {
  const m = distribution.mean;
  if (!(m > 0)) return 0;
  const lo = distribution.quantiles[QUANTILE_LEVELS.indexOf(0.05)] ?? 0;
  const hi = distribution.quantiles[QUANTILE_LEVELS.indexOf(0.95)] ?? 0;
  const sigma = (hi - lo) / (2 * Z95);
  return clean(Math.max(0, (sigma * sigma - m) / (m * m)));
}

const clean = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : 0);
