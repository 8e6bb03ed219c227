/**
 * A small seeded pseudo-random toolkit so that the simulated history, batch orders and weight
 * initialisation are reproducible bit for bit. No global state: every sampler takes an `Rng`.
 */

import { mulberry32, type Rng } from '../../../shared/random';

export { mulberry32, type Rng };

/** Derive an independent child seed from a parent seed and a label (FNV-1a over the label). */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export function randInt(rng: Rng, lo: number, hiInclusive: number): number {
  return lo + Math.floor(rng() * (hiInclusive - lo + 1));
}

/** Standard normal by Box-Muller (one of the pair is discarded to keep the sampler stateless). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  let u = rng();
  while (u <= Number.EPSILON) u = rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** exp(N(mu, sigma)). */
export function logNormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(normal(rng, mu, sigma));
}

/** Gamma(shape, scale) by Marsaglia-Tsang (2000); shape < 1 by the boost U^(1/shape). */
export function gamma(rng: Rng, shape: number, scale = 1): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    const u = Math.max(rng(), Number.MIN_VALUE);
    return gamma(rng, shape + 1, scale) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Beta(a, b) from two gammas. */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x / (x + y);
}

/**
 * Poisson(lambda): Knuth's product method below 30, else the transformed rejection PTRS of
 * Hörmann (1993), exact for any lambda.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    for (;;) {
      p *= rng();
      if (p <= l) return k;
      k++;
    }
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lgammaJs(k + 1)) {
      return k;
    }
  }
}

/** Negative binomial with mean mu and dispersion alpha (variance mu + alpha·mu²), as Gamma-Poisson. */
export function negBinomial(rng: Rng, mu: number, alpha: number): number {
  if (!(mu > 0)) return 0;
  if (!(alpha > 0)) return poisson(rng, mu);
  const shape = 1 / alpha;
  return poisson(rng, mu * gamma(rng, shape, 1 / shape));
}

/** Fisher-Yates shuffle in place, seeded. */
export function shuffleInPlace<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function lgammaJs(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgammaJs(1 - x);
  const xx = x - 1;
  let s = LANCZOS[0] as number;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) s += (LANCZOS[i] as number) / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(s);
}
