/**
 * Greedy marginal allocation: place units one at a time where the next unit adds the most.
 * Optimal when each recipient's value is concave in its units (non-increasing marginals) and
 * the only coupling is the shared total (Gross 1956; Fox 1966): the greedy picks the `total`
 * largest marginals, and concavity makes any prefix-closed pick feasible.
 *
 * Tie rule: equal marginals go to the lower recipient index first.
 */
import { BinaryMaxHeap } from './binary-heap';

export interface MarginalAllocationInput {
  /** units available in total */
  total: number;
  /** marginalValue(i, k) = value of the k-th unit (k ≥ 1) at recipient i; non-increasing in k */
  marginalValue: (recipient: number, unit: number) => number;
  recipientCount: number;
  /** optional per-recipient caps */
  caps?: ArrayLike<number>;
  /** stop when the best marginal is ≤ this (default 0: never place a unit that loses value) */
  minimumGain?: number;
}

export function allocateByMarginalValue(input: MarginalAllocationInput): { units: number[]; value: number } {
  const units = new Array<number>(input.recipientCount).fill(0);
  const minimumGain = input.minimumGain ?? 0;
  const heap = new BinaryMaxHeap(input.recipientCount);
  for (let i = 0; i < input.recipientCount; i += 1) {
    if ((input.caps?.[i] ?? Number.POSITIVE_INFINITY) > 0) heap.push(i, input.marginalValue(i, 1));
  }
  let value = 0;
  for (let placed = 0; placed < input.total && heap.size > 0; placed += 1) {
    const gain = heap.topKey();
    if (!(gain > minimumGain)) break;
    const i = heap.pop();
    units[i] += 1;
    value += gain;
    if (units[i]! < (input.caps?.[i] ?? Number.POSITIVE_INFINITY)) heap.push(i, input.marginalValue(i, units[i]! + 1));
  }
  return { units, value };
}

/** P(D = 1, 2, …) style discrete demand for the scarce-stock case; index 0 is P(D = 0). */
export interface StoreDemand {
  probabilities: readonly number[];
}

/**
 * Scarce stock across stores: each unit sells at `price` if demanded, else is salvaged.
 * Marginal of the k-th unit = salvage + (price − salvage)·P(D ≥ k), concave in k.
 */
export function allocateScarceStock(
  units: number,
  price: number,
  salvage: number,
  stores: readonly StoreDemand[],
): { units: number[]; expectedRevenue: number } {
  const survival = stores.map((s) => {
    const out: number[] = [];
    let tail = 0;
    for (let k = s.probabilities.length - 1; k >= 0; k -= 1) {
      tail += s.probabilities[k]!;
      out[k] = tail;
    }
    return out;
  });
  const marginalValue = (i: number, k: number): number => salvage + (price - salvage) * (survival[i]![k] ?? 0);
  // Salvage is positive, so every unit is placed (minimumGain −∞).
  const result = allocateByMarginalValue({
    total: units,
    recipientCount: stores.length,
    marginalValue,
    minimumGain: Number.NEGATIVE_INFINITY,
  });
  return { units: result.units, expectedRevenue: result.value };
}

/** Expected revenue of a given split, for checking optima by enumeration. */
export function scarceStockRevenue(
  split: readonly number[],
  price: number,
  salvage: number,
  stores: readonly StoreDemand[],
): number {
  let revenue = 0;
  split.forEach((q, i) => {
    stores[i]!.probabilities.forEach((p, d) => {
      const sold = Math.min(d, q);
      revenue += p * (price * sold + salvage * (q - sold));
    });
  });
  return revenue;
}
