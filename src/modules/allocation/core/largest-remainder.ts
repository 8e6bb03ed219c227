/**
 * Split an integer total in proportion to weights so that the parts always sum to the total
 * (Hamilton / largest-remainder method, as Vendure's `prorate`).
 *
 * Tie rule (deterministic): leftover units go to the largest fractional remainders; equal
 * remainders go to the larger weight, then to the lower index. All-zero (or empty-sum) weights
 * are treated as equal weights so that the total is still distributed.
 */
export function prorateByLargestRemainder(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  const cleaned = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  let weightSum = cleaned.reduce((a, b) => a + b, 0);
  const effective = weightSum > 0 ? cleaned : cleaned.map(() => 1);
  if (weightSum <= 0) weightSum = n;

  const parts = new Array<number>(n);
  const remainders = new Array<number>(n);
  let assigned = 0;
  for (const [i, weight] of effective.entries()) {
    const quota = (total * weight) / weightSum;
    const part = Math.floor(quota + 1e-9); // guard 6.9999999 from float rounding
    parts[i] = part;
    remainders[i] = quota - part;
    assigned += part;
  }
  const order = [...parts.keys()].sort(
    (a, b) => remainders[b]! - remainders[a]! || effective[b]! - effective[a]! || a - b,
  );
  // `order` is a permutation of 0..n-1, so its entries index `parts`.
  // Float guards can (rarely) over-assign by a unit: take it back from the smallest remainders.
  for (let k = order.length - 1; assigned > total && k >= 0; k -= 1) {
    const i = order[k]!;
    if (parts[i]! > 0) {
      parts[i] -= 1;
      assigned -= 1;
    }
  }
  for (let k = 0; assigned < total; k = (k + 1) % n) {
    parts[order[k]!] += 1;
    assigned += 1;
  }
  return parts;
}
