/**
 * Demand distributions for one SKU in one region (or pooled at one hub), as integer pmfs and
 * survival tables. The allocation maths needs S(k) = P(D ≥ k): it is the marginal value of the
 * k-th unit placed, since E[min(D, q)] = Σ_{k=1..q} P(D ≥ k).
 */
// Index reads end in `!` (type-only): loops run over the arrays' own lengths or a pmf's support.

export type DemandDistribution =
  /** over-dispersed counts: mean μ, dispersion α, variance μ + αμ² (α = 0 is Poisson) */
  | { kind: 'negative-binomial'; mean: number; dispersion: number }
  /** P(D = k) for k = 0, 1, … */
  | { kind: 'pmf'; probabilities: ArrayLike<number> }
  /** equally likely scenarios; samples at the same index in different regions are one joint scenario */
  | { kind: 'samples'; samples: ArrayLike<number> };

/** Tail mass dropped when a distribution with unbounded support is tabulated. */
export const DEFAULT_TAIL_MASS = 1e-9;

export function negativeBinomialDemand(mean: number, dispersion: number): DemandDistribution {
  return { kind: 'negative-binomial', mean, dispersion };
}

export function sampleDemand(samples: ArrayLike<number>): DemandDistribution {
  return { kind: 'samples', samples };
}

/**
 * pmf of NB(μ, α) truncated where the remaining tail mass is below `tailMass`. Built by the
 * ratio recurrence in log space so that a large mean does not underflow P(0).
 */
export function negativeBinomialPmf(mean: number, dispersion: number, tailMass = DEFAULT_TAIL_MASS): Float64Array {
  if (!(mean > 0)) return Float64Array.of(1);
  if (!(dispersion > 1e-12)) return poissonPmf(mean, tailMass);
  const r = 1 / dispersion;
  const logQ = Math.log(mean / (r + mean)); // log(1 − p), p = r / (r + μ)
  const values: number[] = [];
  let logP = -r * Math.log1p(mean / r); // r · log p
  let cdf = 0;
  for (let k = 0; ; k += 1) {
    if (k > 0) logP += Math.log((k - 1 + r) / k) + logQ;
    const p = Math.exp(logP);
    values.push(p);
    cdf += p;
    if (k >= mean && 1 - cdf < tailMass) break;
    if (k > 1e7) break;
  }
  return Float64Array.from(values);
}

export function poissonPmf(lambda: number, tailMass = DEFAULT_TAIL_MASS): Float64Array {
  if (!(lambda > 0)) return Float64Array.of(1);
  const values: number[] = [];
  const logLambda = Math.log(lambda);
  let logP = -lambda;
  let cdf = 0;
  for (let k = 0; ; k += 1) {
    if (k > 0) logP += logLambda - Math.log(k);
    const p = Math.exp(logP);
    values.push(p);
    cdf += p;
    if (k >= lambda && (1 - cdf < tailMass || p < tailMass * 1e-6)) break;
  }
  return Float64Array.from(values);
}

/** Empirical pmf of samples; negative samples count as 0 and fractional ones are rounded. */
export function empiricalPmf(samples: ArrayLike<number>): Float64Array {
  if (samples.length === 0) return Float64Array.of(1);
  let max = 0;
  for (let i = 0; i < samples.length; i += 1) max = Math.max(max, toCount(samples[i]!));
  const pmf = new Float64Array(max + 1);
  const weight = 1 / samples.length;
  for (let i = 0; i < samples.length; i += 1) pmf[toCount(samples[i]!)] += weight;
  return pmf;
}

export function toCount(value: number): number {
  return value > 0 ? Math.round(value) : 0;
}

export function toPmf(distribution: DemandDistribution): Float64Array {
  switch (distribution.kind) {
    case 'negative-binomial':
      return negativeBinomialPmf(distribution.mean, distribution.dispersion);
    case 'pmf':
      return Float64Array.from(distribution.probabilities);
    case 'samples':
      return empiricalPmf(distribution.samples);
  }
}

export function distributionMean(distribution: DemandDistribution): number {
  if (distribution.kind === 'negative-binomial') return Math.max(0, distribution.mean);
  if (distribution.kind === 'samples') {
    let sum = 0;
    for (let i = 0; i < distribution.samples.length; i += 1) sum += toCount(distribution.samples[i]!);
    return distribution.samples.length === 0 ? 0 : sum / distribution.samples.length;
  }
  return pmfMoments(distribution.probabilities).mean;
}

export function pmfMoments(pmf: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  let second = 0;
  for (let k = 0; k < pmf.length; k += 1) {
    mean += k * pmf[k]!;
    second += k * k * pmf[k]!;
  }
  return { mean, variance: Math.max(0, second - mean * mean) };
}

export function convolvePmf(a: ArrayLike<number>, b: ArrayLike<number>, tailMass = 1e-12): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i += 1) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j += 1) out[i + j] += ai * b[j]!;
  }
  // Trim the far tail so that repeated convolutions do not grow without bound.
  let end = out.length;
  let tail = 0;
  while (end > 1 && tail + out[end - 1]! < tailMass) {
    tail += out[end - 1]!;
    end -= 1;
  }
  return end === out.length ? out : out.slice(0, end);
}

/**
 * Distribution of the sum of several regions' demand, as a pmf. Rules, cheapest exact first:
 * one part → itself; all samples of equal length → scenario-wise sums (keeps the joint
 * scenarios); all negative binomial → a negative binomial with the same mean and variance
 * (an approximation, exact when every part has the same μ·α, i.e. the same
 * success probability, since NB(r₁, p) + NB(r₂, p) = NB(r₁ + r₂, p)); otherwise exact convolution.
 */
export function pooledPmf(parts: readonly DemandDistribution[]): Float64Array {
  if (parts.length === 0) return Float64Array.of(1);
  if (parts.length === 1) return toPmf(parts[0]!);
  const first = parts[0]!;
  if (
    first.kind === 'samples' &&
    parts.every((p) => p.kind === 'samples' && p.samples.length === first.samples.length)
  ) {
    const sums = new Float64Array(first.samples.length);
    for (const part of parts) {
      if (part.kind !== 'samples') continue;
      for (let i = 0; i < sums.length; i += 1) sums[i] += toCount(part.samples[i]!);
    }
    return empiricalPmf(sums);
  }
  if (parts.every((p) => p.kind === 'negative-binomial')) {
    let mean = 0;
    let variance = 0;
    for (const part of parts) {
      if (part.kind !== 'negative-binomial' || !(part.mean > 0)) continue;
      mean += part.mean;
      variance += part.mean + Math.max(0, part.dispersion) * part.mean * part.mean;
    }
    return negativeBinomialPmf(mean, mean > 0 ? (variance - mean) / (mean * mean) : 0);
  }
  let pmf = toPmf(parts[0]!);
  for (let i = 1; i < parts.length; i += 1) pmf = convolvePmf(pmf, toPmf(parts[i]!));
  return pmf;
}

/**
 * Write the survival table of NB(μ, α) — S[k] = P(D ≥ k) — into `out` from `offset`, stopping
 * once S[k] < tailMass; returns the length written (out must have room, see `survivalCapacity`).
 * The hot path of the fast allocator: a linear-space ratio recurrence, with log space only when
 * P(0) would underflow.
 */
export function writeNegativeBinomialSurvival(
  mean: number,
  dispersion: number,
  out: Float64Array,
  offset: number,
  tailMass = DEFAULT_TAIL_MASS,
): number {
  out[offset] = 1;
  if (!(mean > 0)) return 1;
  const poisson = !(dispersion > 1e-12);
  const r = poisson ? 0 : 1 / dispersion;
  const q = poisson ? 0 : mean / (r + mean);
  const logP0 = poisson ? -mean : -r * Math.log1p(mean / r);
  const limit = out.length - offset;
  if (logP0 < -700) {
    // Far-from-zero mean: fall back to the log-space pmf.
    const pmf = poisson ? poissonPmf(mean, tailMass) : negativeBinomialPmf(mean, dispersion, tailMass);
    let survival = 1;
    let k = 0;
    for (; k < pmf.length && k < limit && survival >= tailMass; k += 1) {
      out[offset + k] = survival;
      survival -= pmf[k]!;
    }
    return k;
  }
  let p = Math.exp(logP0);
  let survival = 1;
  let k = 0;
  while (k < limit) {
    out[offset + k] = survival;
    survival -= p; // S[k+1] = S[k] − P(k)
    k += 1;
    if (survival < tailMass && k > mean) break;
    p *= poisson ? mean / k : ((k - 1 + r) / k) * q;
  }
  return k;
}

/** A safe table length for NB(μ, α) survival: mean + 40 sd + 50. */
export function survivalCapacity(mean: number, dispersion: number): number {
  return Math.ceil(mean + 40 * Math.sqrt(mean + Math.max(0, dispersion) * mean * mean) + 50);
}

/** survival[k] = P(D ≥ k) for k = 0..pmf.length − 1 (survival[0] = 1 up to truncation). */
export function survivalFromPmf(pmf: ArrayLike<number>): Float64Array {
  const survival = new Float64Array(pmf.length);
  let tail = 0;
  for (let k = pmf.length - 1; k >= 0; k -= 1) {
    tail += pmf[k]!;
    survival[k] = tail;
  }
  return survival;
}

/** E[min(D, q)] = Σ_{k=1..q} P(D ≥ k). */
export function expectedSales(survival: ArrayLike<number>, quantity: number): number {
  let sum = 0;
  const top = Math.min(quantity, survival.length - 1);
  for (let k = 1; k <= top; k += 1) sum += survival[k]!;
  return sum;
}
