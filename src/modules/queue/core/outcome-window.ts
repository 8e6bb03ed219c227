/**
 * The expected outcome of a queue entry: the probability that the buyer gets the units, and when
 * they would arrive if so. Pure: no driver, clock or network (docs/queue.md explains the model).
 *
 * Units that may still free up for the buyer's SKU at the hubs serving the buyer's region:
 *   - each active hold is released or expires with probability `holdReleaseRate`, freeing all of
 *     its units at once (a hold of 3 units frees 3 or none);
 *   - each confirmed unit is cancelled or returned with probability `cancelRate`;
 *   - returns in inspection that will go back on sale, and a fallback supplier's restock, are
 *     counted as certain (they need no one's decision).
 * The buyer gets the units when at least `unitsAhead + quantity` units free up:
 *   P(get) = P(Σ_sizes size × Bin(holds of that size, holdReleaseRate) + Bin(confirmedUnits, cancelRate)
 *            ≥ need − certain).
 */
export interface OutcomeInput {
  nowMs: number;
  /** units asked for by the waiting entries ahead of this one (same SKU and region) */
  unitsAhead: number;
  quantity: number;
  /** active holds at the serving hubs by size (units per hold), and the latest of their expiries */
  holdsBySize: { size: number; holds: number }[];
  lastHoldExpiryMs: number | null;
  holdReleaseRate: number;
  /**
   * How many ended hold units the rate was measured on (a default rate counts as 20): the rate is
   * uncertain by about √(rate(1 − rate)/(observations + 3)), and the probability is averaged over
   * that uncertainty (else a buyer far down the line is told too little and one near the front too
   * much).
   */
  holdReleaseObservations: number;
  /** units of confirmed holds at the serving hubs that could still be cancelled or returned */
  confirmedUnits: number;
  cancelRate: number;
  /** returns in inspection that go back on sale at the serving hubs, and when the last one does */
  returningUnits: number;
  lastReturnMs: number | null;
  /** a fallback or microfactory restock the catalog has for the SKU, if any */
  restock: { units: number; leadTimeDaysMin: number; leadTimeDaysMax: number } | null;
  /** how long an offer waits for its claim */
  claimSeconds: number;
  /** the fastest and the slowest serving hub: handling plus transit, in calendar days */
  deliveryDaysMin: number;
  deliveryDaysMax: number;
}

export interface OutcomeWindow {
  probability: number;
  /** the part of it from stock that exists today (holds, orders and returns), without a restock */
  probability_from_stock: number;
  /** if the buyer gets the units: when they would arrive (null when the probability is 0) */
  delivery_window: { earliest: string; latest: string } | null;
}

const DAY_MS = 86_400_000;

export function expectedOutcome(input: OutcomeInput): OutcomeWindow {
  const need = Math.max(0, input.unitsAhead + input.quantity - input.returningUnits);
  const restockUnits = input.restock?.units ?? 0;
  let fromStock = 0;
  let withRestock = 0;
  for (const { rate, weight } of rateNodes(input.holdReleaseRate, input.holdReleaseObservations)) {
    const freed = freedUnits(input.holdsBySize, rate, input.confirmedUnits, input.cancelRate);
    const stockOnly = freed.atLeast(need);
    fromStock += weight * stockOnly;
    withRestock += weight * (restockUnits > 0 ? freed.atLeast(Math.max(0, need - restockUnits)) : stockOnly);
  }
  const probability = round4(withRestock);
  if (probability <= 0) return { probability: 0, probability_from_stock: 0, delivery_window: null };
  // Earliest: an offer now, shipped from the fastest serving hub. Latest: the last unit that can free
  // up from stock (a hold expiring, a return back on sale, an order cancelled by then), or the restock
  // when stock alone may not be enough, plus the claim time and the slowest serving hub.
  const freedBy = Math.max(input.nowMs, input.lastHoldExpiryMs ?? input.nowMs, input.lastReturnMs ?? input.nowMs);
  const restockBy =
    input.restock && withRestock > fromStock ? input.nowMs + input.restock.leadTimeDaysMax * DAY_MS : input.nowMs;
  const restockOnly = input.restock && fromStock <= 0;
  const earliestMs =
    input.nowMs + (restockOnly ? input.restock!.leadTimeDaysMin * DAY_MS : 0) + input.deliveryDaysMin * DAY_MS;
  const latestMs = Math.max(freedBy, restockBy) + input.claimSeconds * 1000 + input.deliveryDaysMax * DAY_MS;
  return {
    probability,
    probability_from_stock: round4(fromStock),
    delivery_window: { earliest: new Date(earliestMs).toISOString(), latest: new Date(latestMs).toISOString() },
  };
}

/** Gauss–Hermite nodes (5 points) over the rate's uncertainty: a Beta posterior's mean and spread. */
export function rateNodes(rate: number, observations: number): { rate: number; weight: number }[] {
  const n = Math.max(0, observations);
  const mean = (rate * n + 1) / (n + 2);
  const sd = Math.sqrt((mean * (1 - mean)) / (n + 3));
  return GAUSS_HERMITE_5.map(([z, weight]) => ({ rate: Math.min(1, Math.max(0, mean + z * sd)), weight }));
}
const GAUSS_HERMITE_5: [number, number][] = [
  [-2.85697, 0.011257],
  [-1.355626, 0.222076],
  [0, 0.533333],
  [1.355626, 0.222076],
  [2.85697, 0.011257],
];

/**
 * The distribution of units that free up: Σ over hold sizes of size × Bin(holds, holdRate), plus
 * Bin(confirmedUnits, cancelRate). Exact up to 4,000 units, else a normal approximation.
 *
 * The joins of a rush ask it again and again with the same figures (one line's supply, five rate
 * nodes per answer; the convolution is most of an answer's time), so the last few distributions are
 * kept: the same inputs give the same distribution, and it is never changed once built.
 */
export function freedUnits(
  holdsBySize: { size: number; holds: number }[],
  holdRate: number,
  confirmedUnits: number,
  cancelRate: number,
): { atLeast(k: number): number } {
  let key = `${holdRate}|${confirmedUnits}|${cancelRate}`;
  for (const g of holdsBySize) key += `|${g.size}x${g.holds}`;
  const known = recentlyFreed.get(key);
  if (known) return known;
  const built = buildFreedUnits(holdsBySize, holdRate, confirmedUnits, cancelRate);
  if (recentlyFreed.size >= RECENTLY_FREED_KEPT) recentlyFreed.delete(recentlyFreed.keys().next().value!);
  recentlyFreed.set(key, built);
  return built;
}

/** The distributions `freedUnits` built last, by their inputs, oldest first. */
const recentlyFreed = new Map<string, { atLeast(k: number): number }>();
const RECENTLY_FREED_KEPT = 40;

function buildFreedUnits(
  holdsBySize: { size: number; holds: number }[],
  holdRate: number,
  confirmedUnits: number,
  cancelRate: number,
): { atLeast(k: number): number } {
  const total = holdsBySize.reduce((sum, g) => sum + g.size * g.holds, 0) + confirmedUnits;
  if (total > 4000) {
    const mean = holdsBySize.reduce((sum, g) => sum + g.size * g.holds * holdRate, 0) + confirmedUnits * cancelRate;
    const variance =
      holdsBySize.reduce((sum, g) => sum + g.size * g.size * g.holds * holdRate * (1 - holdRate), 0) +
      confirmedUnits * cancelRate * (1 - cancelRate);
    const sd = Math.sqrt(variance);
    return {
      atLeast: (k) => (k <= 0 ? 1 : sd === 0 ? (mean >= k ? 1 : 0) : clamp01(1 - normalCdf((k - 0.5 - mean) / sd))),
    };
  }
  let pmf = binomialPmf(confirmedUnits, cancelRate);
  for (const g of holdsBySize) {
    if (g.holds <= 0 || g.size <= 0) continue;
    const groupPmf = binomialPmf(g.holds, holdRate);
    const next = new Array<number>(pmf.length + g.size * g.holds).fill(0);
    for (let a = 0; a < pmf.length; a++) {
      const pa = pmf[a]!;
      if (pa === 0) continue;
      for (let b = 0; b < groupPmf.length; b++) next[a + b * g.size]! += pa * groupPmf[b]!;
    }
    pmf = next;
  }
  const tail: number[] = new Array<number>(pmf.length + 1).fill(0);
  for (let x = pmf.length - 1; x >= 0; x--) tail[x] = tail[x + 1]! + pmf[x]!;
  return { atLeast: (k) => (k <= 0 ? 1 : k >= tail.length ? 0 : clamp01(tail[k]!)) };
}

export function binomialPmf(n: number, p: number): number[] {
  const pmf = new Array<number>(n + 1).fill(0);
  if (p <= 0) {
    pmf[0] = 1;
    return pmf;
  }
  if (p >= 1) {
    pmf[n] = 1;
    return pmf;
  }
  // In log space: lgamma-free, by the ratio of successive terms.
  const logq = Math.log1p(-p);
  const ratio = Math.log(p) - logq;
  let logTerm = n * logq;
  const logs: number[] = [logTerm];
  for (let x = 1; x <= n; x++) {
    logTerm += Math.log((n - x + 1) / x) + ratio;
    logs.push(logTerm);
  }
  const max = Math.max(...logs);
  let sum = 0;
  for (let x = 0; x <= n; x++) sum += pmf[x] = Math.exp(logs[x]! - max);
  for (let x = 0; x <= n; x++) pmf[x]! /= sum;
  return pmf;
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 on erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** A rate from history: observed/total once there are `minimum` observations, else the default. */
export function historicalRate(events: number, total: number, fallback: number, minimum = 20): number {
  if (total < minimum) return fallback;
  return clamp01(events / total);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
