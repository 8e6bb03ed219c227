/**
 * Single-period newsvendor results (Snyder & Shen, ch. 4): order S to balance the cost of a unit
 * left over (holding h) against the cost of a unit short (shortage p). S* is the critical-ratio
 * quantile p / (p + h) of demand.
 */
import { inverseNormalCdf, normalCdf, normalPdf } from './normal-distribution';
import { poissonPmf } from './demand-distribution';

export interface NewsvendorResult {
  orderQuantity: number;
  expectedCost: number;
  criticalRatio: number;
}

/** Normal demand: S* = μ + σ z*, cost = (h + p) σ φ(z*) (the loss-function identity). */
export function newsvendorNormal(
  holdingCost: number,
  shortageCost: number,
  mean: number,
  sd: number,
): NewsvendorResult {
  const criticalRatio = shortageCost / (shortageCost + holdingCost);
  const z = inverseNormalCdf(criticalRatio);
  return {
    orderQuantity: mean + sd * z,
    expectedCost: (holdingCost + shortageCost) * sd * normalPdf(z),
    criticalRatio,
  };
}

/** Expected cost of ordering `quantity` against normal demand, for any quantity (not only S*). */
export function newsvendorNormalCost(
  holdingCost: number,
  shortageCost: number,
  mean: number,
  sd: number,
  quantity: number,
): number {
  const z = (quantity - mean) / sd;
  const expectedShort = sd * (normalPdf(z) - z * (1 - normalCdf(z)));
  const expectedLeft = expectedShort + (quantity - mean);
  return holdingCost * expectedLeft + shortageCost * expectedShort;
}

/** Discrete demand given by its pmf: S* is the smallest S with F(S) ≥ critical ratio. */
export function newsvendorDiscrete(
  holdingCost: number,
  shortageCost: number,
  pmf: ArrayLike<number>,
): NewsvendorResult {
  const criticalRatio = shortageCost / (shortageCost + holdingCost);
  let cdf = 0;
  let orderQuantity = pmf.length - 1;
  for (let k = 0; k < pmf.length; k += 1) {
    cdf += pmf[k]!;
    if (cdf >= criticalRatio) {
      orderQuantity = k;
      break;
    }
  }
  let mean = 0;
  let expectedLeft = 0;
  for (let k = 0; k < pmf.length; k += 1) {
    mean += k * pmf[k]!;
    if (k < orderQuantity) expectedLeft += (orderQuantity - k) * pmf[k]!;
  }
  // E[(D − S)+] = E[D] − S + E[(S − D)+]: exact, no tail sum needed.
  const expectedShort = mean - orderQuantity + expectedLeft;
  return { orderQuantity, expectedCost: holdingCost * expectedLeft + shortageCost * expectedShort, criticalRatio };
}

export function newsvendorPoisson(holdingCost: number, shortageCost: number, lambda: number): NewsvendorResult {
  return newsvendorDiscrete(holdingCost, shortageCost, poissonPmf(lambda, 1e-16));
}

export interface EmergencySupplyInput {
  mean: number;
  sd: number;
  price: number;
  regularCost: number;
  salvageValue: number;
  /** unlimited emergency supply bought after demand is known; omit for none */
  emergencyCost?: number;
}

/**
 * Regular order with an optional unlimited emergency source used after demand is known.
 * Without it a shortage loses the margin (price − cost); with it a shortage only costs the extra
 * (emergency − regular) as long as the emergency cost is below the price, so less is ordered.
 */
export function emergencySupplierOrder(input: EmergencySupplyInput): { orderQuantity: number; criticalRatio: number } {
  const overage = input.regularCost - input.salvageValue;
  const underage =
    input.emergencyCost !== undefined && input.emergencyCost < input.price
      ? input.emergencyCost - input.regularCost
      : input.price - input.regularCost;
  const criticalRatio = underage / (underage + overage);
  return { orderQuantity: input.mean + input.sd * inverseNormalCdf(criticalRatio), criticalRatio };
}
