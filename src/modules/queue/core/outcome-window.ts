/**
 * The expected outcome of a queue entry: the probability that the buyer gets the units, and when
 * they would arrive if so. Pure: no driver, clock or network (docs/queue.md explains the model).
 *
 * Units that may still free up for the buyer's SKU at the hubs serving the buyer's region:
 *   - each unit of an active hold is released or expires with probability `holdReleaseRate`;
 *   - each confirmed unit is cancelled or returned with probability `cancelRate`;
 *   - returns in inspection that will go back on sale, and a fallback supplier's restock, are
 *     counted as certain (they need no one's decision).
 * The buyer gets the units when at least `unitsAhead + quantity` units free up:
 *   P(get) = P(Bin(holdUnits, holdReleaseRate) + Bin(confirmedUnits, cancelRate) ≥ need − certain).
 */
export interface OutcomeInput {
  nowMs: number;
  /** units asked for by the waiting entries ahead of this one (same SKU and region) */
  unitsAhead: number;
  quantity: number;
  /** units in active holds at the serving hubs, and the latest of their expiries */
  holdUnits: number;
  lastHoldExpiryMs: number | null;
  holdReleaseRate: number;
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
  const fromStock = atLeast(need, input.holdUnits, input.holdReleaseRate, input.confirmedUnits, input.cancelRate);
  const restockUnits = input.restock?.units ?? 0;
  const withRestock =
    restockUnits > 0
      ? atLeast(
          Math.max(0, need - restockUnits),
          input.holdUnits,
          input.holdReleaseRate,
          input.confirmedUnits,
          input.cancelRate,
        )
      : fromStock;
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

/** P(X + Y ≥ k), X ~ Bin(n1, p1), Y ~ Bin(n2, p2), independent. Exact up to 4,000 units, else normal. */
export function atLeast(k: number, n1: number, p1: number, n2: number, p2: number): number {
  if (k <= 0) return 1;
  if (k > n1 + n2) return 0;
  if (n1 + n2 > 4000) {
    const mean = n1 * p1 + n2 * p2;
    const sd = Math.sqrt(n1 * p1 * (1 - p1) + n2 * p2 * (1 - p2));
    if (sd === 0) return mean >= k ? 1 : 0;
    return 1 - normalCdf((k - 0.5 - mean) / sd);
  }
  const a = binomialPmf(n1, p1);
  const b = binomialPmf(n2, p2);
  // P(X + Y < k) = Σ_x P(X = x) · P(Y < k − x)
  const bCdf: number[] = [];
  let acc = 0;
  for (const v of b) bCdf.push((acc += v));
  let below = 0;
  for (let x = 0; x < a.length && x < k; x++) {
    const yMax = Math.min(k - x - 1, n2);
    below += a[x]! * bCdf[yMax]!;
  }
  return clamp01(1 - below);
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
