/**
 * planAllocation: units of each SKU per hub before a drop opens, the supplier orders behind
 * them, and what every region can expect. Pure: no clock (now and opens_at are inputs), no I/O.
 *
 * Rules, decided once here:
 * - Supplier choice when the primary is late: only suppliers whose stock arrives before opening
 *   at their worst-case lead time (max(now, available date) + lead time max ≤ opens_at) are used.
 *   Among those, PRIORITY wins, not earliest arrival: units come from the feasible suppliers in
 *   sourcing order. A late primary is skipped (no late orders are planned); a fallback is also
 *   used when the primary's capacity is below the demand worth covering, paying the premium
 *   (unit cost − primary's unit cost) only when the marginal unit is still worth it.
 * - Min order size and multiple apply to a supplier's total for a SKU (one purchase order,
 *   split-shipped to hubs). A quantity that breaks them is rounded down or up, whichever gives
 *   the higher objective (ties: down).
 * - Serving hub of a region: hubs whose lane meets the promise at its worst case
 *   (handling + transit max ≤ promise), fastest first by (handling + transit max, handling +
 *   transit min, lane shipping cost, hub id in plain string order). The first is the serving hub; a stock-out falls
 *   through to the next (that list is the "lane order").
 * - Ties: SKUs and hubs are processed in id order (plain string order), so the plan does not
 *   depend on input order; equal marginal gains go to the lower SKU id, then the lower hub id.
 * - Objective: expected margin = value of the units delivered within the promise − lane shipping
 *   of those units − inbound freight and holding of the units placed − leftover − fallback
 *   premium (unit cost over the primary's plus the supplier's fallback premium). Cost shifts
 *   change a lane's shipping cost when their dates overlap the drop's window.
 * - Fast allocator: each region's demand goes to its serving hub only (no pooling). When some
 *   region has several hubs within the promise, 'auto' uses the sample-average LP, which pools,
 *   and says so in `solver.notes`.
 */
import type { AllocationInput, AllocationPlan, AllocationPolicy } from './plan-types';
import { planAllocationFast } from './fast-allocator';
import { countPooledRegions, lpScenarioCells, prepareInstance } from './plan-instance';
import { solveSampleAverageLp } from './sample-average-lp';

export { planAllocationFast } from './fast-allocator';
export { prepareInstance, transitQuantile } from './plan-instance';

/**
 * Plan with the solver the policy asks for. 'auto' uses the LP when a region with demand has
 * several hubs within the promise and the LP is small enough; otherwise the fast allocator. The
 * plan says which solver ran and why (`solver.choiceReason`).
 */
export async function planAllocation(input: AllocationInput, policy: AllocationPolicy = {}): Promise<AllocationPlan> {
  const solver = policy.solver ?? 'auto';
  if (solver === 'fast') return planAllocationFast(input, policy);
  if (solver === 'lp') return solveSampleAverageLp(prepareInstance(input), policy);
  const prepared = prepareInstance(input);
  const pooled = countPooledRegions(prepared);
  const limit = policy.lpMaxScenarioCells ?? 200_000;
  if (pooled > 0) {
    const cells = lpScenarioCells(prepared, policy);
    if (cells <= limit) {
      const plan = await solveSampleAverageLp(prepared, policy);
      const why = `auto: ${pooled} region(s) have several hubs within the promise and the LP needs ${cells} scenario cells (limit ${limit})`;
      plan.solver.choiceReason =
        plan.solver.name === 'highs-sample-average-lp' ? `${why}: LP` : `${why}; ${plan.solver.choiceReason}`;
      return plan;
    }
    const plan = planAllocationFast(input, policy);
    plan.solver.notes.push(`the LP would need ${cells} scenario cells (limit ${limit}); fast allocator used instead`);
    plan.solver.choiceReason = `auto: ${pooled} region(s) have several hubs within the promise, but the LP would need ${cells} scenario cells (limit ${limit}): fast allocator`;
    return plan;
  }
  const plan = planAllocationFast(input, policy);
  plan.solver.choiceReason =
    'auto: every region with demand has at most one hub within the promise: fast allocator (exact there)';
  return plan;
}
