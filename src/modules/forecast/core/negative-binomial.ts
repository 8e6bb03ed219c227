/**
 * Negative binomial in the (mean μ, dispersion α) parameterisation: variance μ + αμ²,
 * size r = 1/α, P(k) = Γ(k + r) / (Γ(r) k!) · (r/(r+μ))^r · (μ/(r+μ))^k. α → 0 is Poisson.
 * Quantiles are integer counts q_τ = min{k : F(k) ≥ τ}, hence non-negative and non-decreasing in τ
 * by construction.
 */
import { lgammaJs } from './rng';
import { QUANTILE_LEVELS, type DemandDistribution } from './forecast-types';

/** Below this α the distribution is treated as Poisson. */
const MIN_ALPHA = 1e-8;

export function nbLogPmf(k: number, mu: number, alpha: number): number {
  if (mu <= 0) return k === 0 ? 0 : -Infinity;
  if (alpha < MIN_ALPHA) return k * Math.log(mu) - mu - lgammaJs(k + 1);
  const r = 1 / alpha;
  return (
    lgammaJs(k + r) - lgammaJs(r) - lgammaJs(k + 1) - r * Math.log1p(alpha * mu) + k * (Math.log(mu) - Math.log(r + mu))
  );
}

/**
 * Integer quantiles of NB(μ, α) at the given increasing levels. Relative pmf values are walked
 * outwards from the mode by the ratio P(k+1)/P(k) (so a large μ never underflows P(0)), normalised
 * by the walked mass, and the CDF accumulated from the left edge.
 */
export function nbQuantiles(mu: number, alpha: number, levels: readonly number[] = QUANTILE_LEVELS): number[] {
  if (!(mu > 0) || !Number.isFinite(mu)) return levels.map(() => 0);
  const a = Math.max(alpha, 0);
  const mode = a < MIN_ALPHA ? Math.floor(mu) : Math.max(0, Math.floor(mu * (1 - a)));
  // ratio P(k+1)/P(k) = (k + r)/(k + 1) · μ/(r + μ); Poisson limit μ/(k+1)
  const ratio = (k: number): number => (a < MIN_ALPHA ? mu / (k + 1) : ((k + 1 / a) / (k + 1)) * (mu / (1 / a + mu)));
  const tol = 1e-13;
  // left walk
  const left: number[] = [];
  let p = 1;
  for (let k = mode; k > 0; k--) {
    p /= ratio(k - 1);
    if (p < tol && left.length > 0) break;
    left.push(p);
  }
  const right: number[] = [];
  p = 1;
  let guard = 0;
  for (let k = mode; guard < 5_000_000; k++, guard++) {
    p *= ratio(k);
    right.push(p);
    if (p < tol && k > mu) break;
  }
  const lo = mode - left.length;
  // relative masses from lo upward
  const masses: number[] = [];
  for (let i = left.length - 1; i >= 0; i--) masses.push(left[i] as number);
  masses.push(1);
  for (const m of right) masses.push(m);
  let total = 0;
  for (const m of masses) total += m;
  // Normalise by the walked mass: it holds all but ~1e-12 of the probability.
  const norm = total;
  const out: number[] = [];
  let cdf = 0;
  let li = 0;
  for (let i = 0; i < masses.length && li < levels.length; i++) {
    cdf += (masses[i] as number) / norm;
    while (li < levels.length && cdf >= (levels[li] as number) - 1e-12) {
      out.push(lo + i);
      li++;
    }
  }
  while (out.length < levels.length) out.push(lo + masses.length - 1);
  return out;
}

/**
 * A demand distribution for Y = shift + Z, Z ~ NB(μ, α). `shift` is demand already certain at
 * forecast time (pre-orders, which are part of demand).
 */
export function shiftedNbDistribution(shift: number, mu: number, alpha: number): DemandDistribution {
  const s = Math.max(0, Math.round(shift));
  const m = Number.isFinite(mu) && mu > 0 ? mu : 0;
  const q = nbQuantiles(m, alpha);
  return { mean: s + m, quantiles: q.map((v) => v + s) };
}
